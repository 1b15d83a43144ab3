// The upload page's drop zone: dropped files join the file input, and their names are listed.
(function () {
  const zone = document.querySelector("[data-dropzone]");
  if (!zone) return;
  const input = document.getElementById(zone.getAttribute("for"));
  const list = zone.querySelector("[data-dropzone-list]");
  const show = () => {
    const names = Array.from(input.files).map((file) => file.name);
    list.textContent = names.length ? names.join("、") : "";
  };
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const files = new DataTransfer();
    Array.from(input.files).concat(Array.from(event.dataTransfer.files)).forEach((file) => files.items.add(file));
    input.files = files.files;
    show();
  });
  input.addEventListener("change", show);
})();
