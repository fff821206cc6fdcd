// One tap, one booking: a form marked data-once disables its buttons once it is submitted, and
// says what is happening. The server holds the rule too (a one-time token per form).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form[data-once]")) return;
  if (form.dataset.sent) {
    event.preventDefault();
    return;
  }
  form.dataset.sent = "1";
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    if (button.dataset.busyText) button.textContent = button.dataset.busyText;
  });
});
