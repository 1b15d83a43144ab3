// The original's viewer: turn pages, zoom, fit to width and rotate. A page past the last one
// answers 404 and the viewer stays where it was.
(function () {
  document.querySelectorAll("[data-viewer]").forEach((viewer) => {
    const image = viewer.querySelector("[data-page-image]");
    if (!image) return;
    const stage = viewer.querySelector("[data-stage]");
    const shown = viewer.querySelector("[data-page-shown]");
    const pageUrl = viewer.dataset.pageUrl;
    let page = Number(viewer.dataset.firstPage || 0);
    let zoom = 1;
    let turns = 0;
    const draw = () => {
      image.style.width = `${Math.round(zoom * 100)}%`;
      image.style.transform = turns ? `rotate(${turns * 90}deg)` : "";
      stage.classList.toggle("sideways", turns % 2 === 1);
      viewer.dataset.zoom = String(zoom);
      viewer.dataset.turns = String(turns);
    };
    const go = (wanted) => {
      if (wanted < 0) return;
      const source = pageUrl.replace("__PAGE__", String(wanted));
      fetch(source, { method: "HEAD", credentials: "same-origin" }).then((answer) => {
        if (!answer.ok) {
          shown.textContent = viewer.dataset.noMore;
          setTimeout(() => { shown.textContent = viewer.dataset.pageLabel.replace("{page}", page + 1); }, 1500);
          return;
        }
        page = wanted;
        image.src = source;
        viewer.dataset.page = String(page);
        shown.textContent = viewer.dataset.pageLabel.replace("{page}", page + 1);
      });
    };
    const acts = {
      prev: () => go(page - 1),
      next: () => go(page + 1),
      "zoom-in": () => { zoom = Math.min(4, zoom * 1.25); draw(); },
      "zoom-out": () => { zoom = Math.max(0.5, zoom / 1.25); draw(); },
      fit: () => { zoom = 1; draw(); },
      rotate: () => { turns = (turns + 1) % 4; draw(); },
    };
    viewer.querySelectorAll("[data-act]").forEach((button) => {
      button.addEventListener("click", () => acts[button.dataset.act]());
    });
    viewer.dataset.page = String(page);
    draw();
  });
})();
