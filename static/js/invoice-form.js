// The invoice form: add lines, work out each line's tax from amount and rate (until the user types
// the tax), and add the lines up into the header (until the user types the header amounts).
(function () {
  const form = document.getElementById("invoice-form");
  if (!form) return;
  const rows = document.getElementById("line-rows");
  const template = document.getElementById("line-template");
  const totalForms = form.querySelector("input[name='lines-TOTAL_FORMS']");

  const cents = (text) => {
    const value = Number(String(text).replace(/[,\s¥￥]/g, ""));
    return Number.isFinite(value) && String(text).trim() !== "" ? Math.round(value * 100) : null;
  };
  const money = (value) => (value / 100).toFixed(2);
  // "13%", "13" and "0.13" are one rate, as the server reads them (invoices/rates.py).
  const rateOf = (text) => {
    const trimmed = String(text).trim();
    const value = Number(trimmed.replace(/%$/, ""));
    return trimmed.endsWith("%") || (value >= 1 && value < 100) ? value / 100 : value;
  };
  const typed = (input) => input.dataset.typed === "yes";

  form.addEventListener("input", (event) => {
    if (event.isTrusted && event.target.matches("[data-line='tax'], [data-line='amount'], [data-sum], [data-total]")) {
      event.target.dataset.typed = event.target.value.trim() === "" ? "no" : "yes";
    }
    const row = event.target.closest(".line-row");
    if (row) updateLine(row);
    updateHeader();
  });

  function updateLine(row) {
    const field = (name) => row.querySelector(`[data-line='${name}']`);
    const quantity = Number(field("quantity").value), price = Number(field("unit_price").value);
    if (field("quantity").value && field("unit_price").value && !typed(field("amount"))) {
      field("amount").value = money(Math.round(quantity * price * 100));
    }
    const amount = cents(field("amount").value);
    const rate = rateOf(field("rate").value);
    if (typed(field("tax"))) return;
    if (["免税", "不征税"].includes(field("rate").value.trim())) field("tax").value = "0.00";
    else if (amount !== null && Number.isFinite(rate) && field("rate").value.trim() !== "") {
      field("tax").value = money(Math.round(amount * rate));
    }
  }

  function updateHeader() {
    const lineRows = rows.querySelectorAll(".line-row");
    const sum = (name) => Array.from(lineRows).reduce((total, row) => {
      const value = cents(row.querySelector(`[data-line='${name}']`).value);
      return value === null ? total : total + value;
    }, 0);
    const amount = form.querySelector("[data-sum='amount']");
    const tax = form.querySelector("[data-sum='tax']");
    const total = form.querySelector("[data-total]");
    if (lineRows.length) {
      if (!typed(amount)) amount.value = money(sum("amount"));
      if (!typed(tax)) tax.value = money(sum("tax"));
    }
    const a = cents(amount.value), t = cents(tax.value);
    if (!typed(total) && a !== null && t !== null) total.value = money(a + t);
  }

  form.querySelector("[data-add-line]").addEventListener("click", () => {
    const index = Number(totalForms.value);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    rows.insertAdjacentHTML("beforeend", html);
    totalForms.value = String(index + 1);
    rows.lastElementChild.querySelector("input").focus();
  });
})();
