// What is broken on the page as shown, in words: [] when nothing (tests/e2e/layout.py).
(() => {
  const found = [];
  const page = document.documentElement;
  if (page.scrollWidth > window.innerWidth + 1) {
    const wide = Array.from(document.querySelectorAll("body *"))
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
      .filter((element) => element.parentElement.getBoundingClientRect().right <= window.innerWidth + 1)
      .slice(0, 3)
      .map((element) => element.tagName.toLowerCase() + (element.className ? "." + String(element.className).split(" ")[0] : ""));
    found.push(`the page is ${page.scrollWidth} px wide in a ${window.innerWidth} px window (${wide.join(", ")})`);
  }
  for (const element of document.querySelectorAll(".badge, button, a.button")) {
    const box = element.getBoundingClientRect();
    if (!box.width || !element.textContent.trim()) continue;
    const line = parseFloat(getComputedStyle(element).lineHeight) || parseFloat(getComputedStyle(element).fontSize) * 1.3;
    const padding = parseFloat(getComputedStyle(element).paddingTop) + parseFloat(getComputedStyle(element).paddingBottom);
    if (box.height - padding > line * 1.8) found.push(`"${element.textContent.trim().slice(0, 30)}" wraps onto ${Math.round((box.height - padding) / line)} lines`);
  }
  if (window.innerWidth <= 640) {  // rows shown as cards: no label without a value beside it
    for (const cell of document.querySelectorAll("td[data-label]")) {
      if (getComputedStyle(cell).display === "none") continue;
      const empty = !cell.textContent.trim() && !cell.querySelector("input, select, button, a, img");
      if (empty || cell.classList.contains("empty")) found.push(`a card shows "${cell.dataset.label}" with nothing beside it`);
    }
  }
  return found;
})()
