// Small progressive enhancements; every page works without them (CSP: no inline script).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-all-no]");
  if (!button) return;
  // "None of these apply to me": answer No to every question; she can still change any answer.
  const form = button.closest("form");
  form.querySelectorAll("input[type=radio][value=no]").forEach(function (radio) {
    radio.checked = true;
  });
  button.setAttribute("aria-pressed", "true");
  const note = form.querySelector("[data-all-no-note]");
  if (note) note.hidden = false;
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-all-no]").forEach(function (button) {
    button.hidden = false;
  });
});
// Find my treatment: only the areas the chosen concern is offered on.
function filterAreas(form) {
  const data = document.getElementById(form.dataset.filterAreas);
  const concern = form.querySelector("select[name=concern]");
  const area = form.querySelector("select[name=area]");
  if (!data || !concern || !area) return;
  const offered = JSON.parse(data.textContent)[concern.value];
  area.querySelectorAll("option").forEach(function (option) {
    const hide = Boolean(option.value && offered && !offered.includes(option.value));
    option.hidden = hide;
    option.disabled = hide;
    if (hide && option.selected) area.value = "";
  });
}
document.addEventListener("change", function (event) {
  const form = event.target.closest("form[data-filter-areas]");
  if (form && event.target.name === "concern") filterAreas(form);
});
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-filter-areas]").forEach(filterAreas);
});
