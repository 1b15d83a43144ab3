// The capture page's upload: files dropped anywhere on the page join the selection, and the upload
// is sent with a progress bar of the bytes sent, then the batch page opens, where each file's state
// follows live. A selection over the page's limits is refused before anything is sent.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const list = form.querySelector("[data-dropzone-list]");
  const zone = form.querySelector("[data-dropzone]");
  const bar = form.querySelector("[data-upload-progress]");
  const status = form.querySelector("[data-upload-status]");
  const button = form.querySelector("button[type=submit]");
  const megabytes = (bytes) => (bytes / 1048576).toFixed(1);
  const say = (text, problem) => {
    status.textContent = text;
    status.classList.toggle("error", Boolean(problem));
  };

  const show = () => {
    const files = Array.from(input.files);
    list.textContent = files.length
      ? form.dataset.chosen.replace("{count}", files.length) + " " + files.map((file) => file.name).join("、")
      : "";
  };
  const add = (dropped) => {
    const files = new DataTransfer();
    Array.from(input.files).concat(Array.from(dropped)).forEach((file) => files.items.add(file));
    input.files = files.files;
    show();
  };
  let depth = 0;
  document.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    zone.classList.add("over");
  });
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove("over");
  });
  document.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
  });
  input.addEventListener("change", show);

  form.addEventListener("submit", (event) => {
    const files = Array.from(input.files);
    if (!files.length) return;  // the server says what is missing
    const big = files.find((file) => file.size > Number(form.dataset.maxFile));
    const total = files.reduce((sum, file) => sum + file.size, 0);
    if (big || total > Number(form.dataset.maxTotal)) {
      event.preventDefault();
      say(big ? form.dataset.tooBig.replace("{name}", big.name) : form.dataset.tooMuch, true);
      return;
    }
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.value = Math.round((100 * progress.loaded) / progress.total);
      say(form.dataset.sending.replace("{sent}", megabytes(progress.loaded)).replace("{total}", megabytes(progress.total)));
    });
    request.upload.addEventListener("load", () => say(form.dataset.received));
    request.addEventListener("load", () => {
      if (request.responseURL && new URL(request.responseURL).pathname !== new URL(form.action || window.location.href).pathname) {
        window.location.assign(request.responseURL);
        return;
      }
      // The form came back with its errors: show that page as it is.
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      bar.hidden = true;
      say(form.dataset.failed, true);
    });
    request.send(new FormData(form));
  });
})();
