// The review card's keys: Ctrl+Enter (⌘+Enter) confirms, Alt+→ skips to the next card, Alt+← goes back.
(function () {
  const form = document.getElementById("invoice-form");
  if (!form) return;
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      const confirm = form.querySelector("button[type=submit].primary") || form.querySelector("button[type=submit]");
      form.requestSubmit(confirm || undefined);
    } else if (event.altKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      const link = document.querySelector(event.key === "ArrowRight" ? "[data-next-card]" : "[data-previous-card]");
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    }
  });
})();
