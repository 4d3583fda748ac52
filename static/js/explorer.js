/*
 * The benchmark filters, progressively enhanced.
 *
 * Without this script, the filters are a plain GET form: every state of the
 * page is a link. With it, changing a filter fetches the filters and results
 * alone (`?fragment=explorer`), swaps them in, and records the filters in the
 * address (history.pushState), so that the page can still be shared,
 * bookmarked and reloaded. The form comes back from the server too: it shows
 * what the server understood (errors next to their fields, the regions of the
 * chosen country, the breakdown it picked). Focus stays on the field that was
 * changed, and a live region tells screen readers the new result. Loaded from
 * a file, never inline: the Content-Security-Policy forbids inline scripts.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-explorer]");
  var status = document.getElementById("explorer-status");
  if (!root || !window.fetch || !window.URLSearchParams || !history.pushState) {
    return;
  }
  var wide = window.matchMedia ? window.matchMedia("(min-width: 60rem)") : null;
  var pending = null;

  // The results follow the filters at once: the submit button only serves without script.
  root.setAttribute("data-enhanced", "");

  // On a wide screen the filters sit beside the results: unfold them. On a
  // phone they stay folded above the results unless some are set.
  function unfoldOnWideScreens() {
    if (wide && wide.matches) {
      root.querySelectorAll("details[data-open-wide]").forEach(function (details) {
        details.open = true;
      });
    }
  }

  function pageUrl(form) {
    var parameters = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (value !== "") {
        parameters.append(name, value);
      }
    });
    var url = new URL(form.getAttribute("action"), window.location.href);
    var query = parameters.toString();
    url.search = query ? "?" + query : "";
    return url;
  }

  // The language switch sends the visitor back to the address they are on.
  function followLanguageSwitch(url) {
    var next = document.querySelector('.language-switch input[name="next"]');
    if (next) {
      next.value = url.pathname + url.search;
    }
  }

  function announce() {
    var summary = root.querySelector("[data-summary]");
    if (status) {
      status.textContent = summary ? summary.getAttribute("data-summary") : "";
    }
  }

  function show(url, focusedId) {
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    var fragment = new URL(url.href);
    fragment.searchParams.set("fragment", "explorer");
    root.setAttribute("aria-busy", "true");
    fetch(fragment.href, { signal: pending.signal, credentials: "same-origin" })
      .then(function (response) {
        // 400 carries the form with each error next to its field: show it like the rest.
        if (!response.ok && response.status !== 400) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        root.innerHTML = html;
        root.removeAttribute("aria-busy");
        unfoldOnWideScreens();
        history.pushState({ explorer: true }, "", url.href);
        followLanguageSwitch(url);
        var focused = focusedId && document.getElementById(focusedId);
        if (focused) {
          focused.focus();
        }
        announce();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          window.location.assign(url.href);
        }
      });
  }

  root.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form) {
      return;
    }
    // A region belongs to one country: a new country starts from all its regions.
    if (event.target.name === "country" && form.elements.region) {
      form.elements.region.value = "";
    }
    show(pageUrl(form), event.target.id);
  });

  root.addEventListener("submit", function (event) {
    event.preventDefault();
    show(pageUrl(event.target), null);
  });

  // Back and forward: the address holds the filters, so the page rebuilds itself from it.
  window.addEventListener("popstate", function () {
    window.location.reload();
  });

  unfoldOnWideScreens();
})();
