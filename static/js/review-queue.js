// The review queue: one box chooses every card that can be confirmed as read.
(function () {
  const all = document.querySelector("[data-check-all]");
  if (!all) return;
  const boxes = () => Array.from(document.querySelectorAll("#bulk-confirm input[name=job]"));
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
})();
