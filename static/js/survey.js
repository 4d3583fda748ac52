/*
 * The survey form, progressively enhanced.
 *
 * Without this script the form works the same: "another share" of full time is
 * a field always shown, and the server turns a monthly salary into a yearly one
 * when the yearly salary is left empty. With it, the "another share" field shows
 * only when that choice is ticked, and the yearly salary is filled in as the
 * monthly one is typed, so the respondent sees the amount that will be sent.
 * Loaded from a file, never inline: the Content-Security-Policy forbids inline
 * scripts.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.survey-form");
  if (!form) {
    return;
  }

  // --- Another share of full time: shown when chosen (or when it holds something) ---
  var shares = form.querySelectorAll("input[name=work_time_share]");
  var otherField = document.getElementById("field-work_time_share_other");
  var otherInput = form.querySelector("input[name=work_time_share_other]");

  function otherChosen() {
    for (var i = 0; i < shares.length; i += 1) {
      if (shares[i].checked) {
        return shares[i].value === "other";
      }
    }
    return false;
  }

  function showOther() {
    var keep = otherChosen() || otherField.classList.contains("field--invalid");
    otherField.hidden = !keep;
  }

  if (shares.length && otherField && otherInput) {
    for (var i = 0; i < shares.length; i += 1) {
      shares[i].addEventListener("change", showOther);
    }
    showOther();
  }

  // --- Monthly → yearly: the yearly salary follows the monthly one while it was filled here ---
  var yearly = form.querySelector("input[name=base_salary]");
  var monthly = form.querySelector("input[name=monthly_salary]");
  var months = form.querySelector("select[name=salary_months]");

  function fillYearly() {
    var amount = monthly.value.replace(/\s/g, "");
    var computedBefore = yearly.getAttribute("data-computed");
    var ours = yearly.value === "" || yearly.value === computedBefore;
    if (!ours) {
      return; // typed by the respondent: the server says if the two disagree
    }
    if (/^\d{1,9}$/.test(amount)) {
      var total = String(parseInt(amount, 10) * parseInt(months.value, 10));
      yearly.value = total;
      yearly.setAttribute("data-computed", total);
    } else if (computedBefore !== null) {
      yearly.value = "";
      yearly.removeAttribute("data-computed");
    }
  }

  if (yearly && monthly && months) {
    monthly.addEventListener("input", fillYearly);
    months.addEventListener("change", fillYearly);
  }
})();
