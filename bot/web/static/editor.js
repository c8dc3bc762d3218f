// The content editor: checks a draft and previews it as staff type, before anything is saved.
(function () {
  "use strict";
  var form = document.getElementById("draft");
  if (!form) return;
  var problems = document.getElementById("problems");
  var preview = document.getElementById("preview");
  var timer = null;
  var asked = 0;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showProblems(list) {
    problems.replaceChildren();
    if (!list.length) {
      problems.appendChild(element("p", "ok", "No problems found."));
      return;
    }
    var items = element("ul", "problems");
    list.forEach(function (text) { items.appendChild(element("li", "", text)); });
    problems.appendChild(items);
  }

  function showPreview(shown) {
    if (!preview || !shown) return;
    var box = element("div", "preview");
    box.appendChild(element("p", "bubble bot", shown.text));
    if (shown.buttons.length) {
      var buttons = element("div", "quick-replies");
      shown.buttons.forEach(function (title) { buttons.appendChild(element("span", "quick-reply", title)); });
      box.appendChild(buttons);
    }
    preview.replaceChildren(box);
  }

  function check() {
    var mine = ++asked;
    fetch(form.dataset.checkUrl, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (mine !== asked || result.error) return;  // a later check is on its way
        showProblems(result.problems);
        showPreview(result.preview);
      })
      .catch(function () { /* the saved check on the page stays; saving checks again */ });
  }

  function soon() {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  }

  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
