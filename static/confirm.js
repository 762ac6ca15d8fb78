/* Confirmation before irreversible actions (issue, void, delete, archive, disable, repair all).
 *
 * A form or a submit button carrying data-confirm="what will happen" asks once, in a dialog,
 * before it is sent; data-confirm-label names the confirming button.  A local file, no inline
 * script or style, so the strict Content-Security-Policy (script-src 'self') holds.  Without
 * <dialog> support the browser's confirm() asks instead.
 */
(function () {
  "use strict";

  function ask(message, label, done) {
    if (typeof HTMLDialogElement !== "function") {
      done(window.confirm(message));
      return;
    }
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-label", "Please confirm");
    var text = document.createElement("p");
    text.className = "confirm-dialog-text";
    text.textContent = message;
    var buttons = document.createElement("div");
    buttons.className = "confirm-dialog-buttons";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn btn-outline-secondary";
    cancel.textContent = "Cancel";
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "btn btn-danger";
    ok.textContent = label || "Confirm";
    buttons.appendChild(cancel);
    buttons.appendChild(ok);
    dialog.appendChild(text);
    dialog.appendChild(buttons);
    document.body.appendChild(dialog);
    var answered = false;
    function finish(yes) {
      if (answered) { return; }
      answered = true;
      dialog.close();
      dialog.remove();
      done(yes);
    }
    cancel.addEventListener("click", function () { finish(false); });
    ok.addEventListener("click", function () { finish(true); });
    dialog.addEventListener("cancel", function () { finish(false); });
    dialog.showModal();
    cancel.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.confirmed === "yes") { return; }
    var submitter = event.submitter || null;
    var source = submitter && submitter.dataset.confirm ? submitter : form;
    var message = source.dataset.confirm;
    if (!message) { return; }
    event.preventDefault();
    ask(message, source.dataset.confirmLabel, function (yes) {
      if (!yes) { return; }
      form.dataset.confirmed = "yes";  // asks once: the confirmed submission goes through
      if (submitter && typeof form.requestSubmit === "function") {
        form.requestSubmit(submitter);
      } else {
        if (submitter && submitter.name) {
          var carry = document.createElement("input");
          carry.type = "hidden";
          carry.name = submitter.name;
          carry.value = submitter.value;
          form.appendChild(carry);
        }
        form.submit();
      }
    });
  });
}());
