/*
 * "Copy the embed code" buttons (templates/benchmarks/_embed_snippet.html).
 *
 * Without this script the code is still there, in a read-only field to select
 * and copy by hand; the buttons stay hidden. With it, each button appears and
 * copies its field. Listens on the document: the explorer swaps its results
 * (and these snippets) in without reloading the page. Loaded from a file: the
 * Content-Security-Policy forbids inline scripts.
 */
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("[data-embed-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function say(button, key) {
    var status = button.parentNode.querySelector(".embed-copy-status");
    if (status) {
      status.textContent = status.getAttribute(key) || "";
    }
  }

  function copyBySelection(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-embed-copy]") : null;
    if (!button) {
      return;
    }
    var field = document.getElementById(button.getAttribute("data-embed-copy"));
    if (!field) {
      return;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(
        function () { say(button, "data-copied"); },
        function () { say(button, copyBySelection(field) ? "data-copied" : "data-failed"); }
      );
    } else {
      say(button, copyBySelection(field) ? "data-copied" : "data-failed");
    }
  });

  // Snippets that arrive later (the explorer's swapped results) get their buttons too.
  if (window.MutationObserver) {
    new MutationObserver(reveal).observe(document.body, { childList: true, subtree: true });
  }
  reveal();
})();
