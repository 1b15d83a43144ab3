// Small behaviours that pages declare with data attributes (no inline scripts: the CSP forbids them).
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});

document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

document.addEventListener("change", (event) => {
  const name = event.target.dataset && event.target.dataset.selectAll;
  if (!name) return;
  event.target.form.querySelectorAll(`input[type=checkbox][name='${name}']`).forEach((box) => {
    box.checked = event.target.checked;
  });
});

// On a phone a table's rows are shown as cards: each cell is labelled with its column's heading.
function labelTableCells(root) {
  root.querySelectorAll("table.table").forEach((table) => {
    const headings = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    if (!headings.length) return;
    table.querySelectorAll("tbody tr").forEach((row) => {
      let column = 0;
      Array.from(row.children).forEach((cell) => {
        const blank = !cell.textContent.trim() && !cell.querySelector("input, select, button, a, img");
        if (blank) cell.setAttribute("data-blank", "");  // a phone shows no label for an empty cell
        const spansAll = (cell.colSpan || 1) >= headings.length;  // "nothing here" across the table
        if (!blank && !spansAll && !cell.hasAttribute("data-label") && headings[column]) {
          cell.setAttribute("data-label", headings[column]);
        }
        column += cell.colSpan || 1;
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelTableCells(document));
document.addEventListener("htmx:afterSwap", (event) => labelTableCells(event.target));
