// The original's viewer: turn pages (as many as the original has), zoom, fit to width and rotate.
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
    const pages = Number(viewer.dataset.pages || 1);
    const prev = viewer.querySelector("[data-act=prev]");
    const next = viewer.querySelector("[data-act=next]");
    const label = () => {
      shown.textContent = viewer.dataset.pageLabel.replace("{page}", page + 1).replace("{pages}", pages);
      prev.disabled = page <= 0;
      next.disabled = page >= pages - 1;
    };
    const go = (wanted) => {
      if (wanted < 0 || wanted >= pages) return;
      page = wanted;
      image.src = pageUrl.replace("__PAGE__", String(page));
      viewer.dataset.page = String(page);
      label();
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
    label();
    draw();
  });
})();
