// The shop's own script (not the messenger): category tabs as client-side navigation, so
// the messenger's page-view tracking of single-page apps can be seen in the contact profile.
(function () {
  // Product backgrounds come as data: the page's policy allows no style attributes, but the
  // CSSOM may set them.
  document.querySelectorAll("[data-background]").forEach(function (pic) {
    pic.style.background = pic.dataset.background;
  });
  var count = 0;
  document.querySelectorAll(".add").forEach(function (button) {
    button.addEventListener("click", function () {
      document.getElementById("cart-count").textContent = String(++count);
    });
  });
  function show(category) {
    document.querySelectorAll(".card").forEach(function (card) {
      card.hidden = category !== "all" && card.dataset.category !== category;
    });
    document.querySelectorAll("nav.cats a").forEach(function (link) {
      if (link.dataset.category === category) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    });
    var label = document.querySelector('nav.cats a[data-category="' + category + '"]');
    document.title = "Musterladen – " + (label ? label.textContent : "");
  }
  document.querySelectorAll("[data-category]").forEach(function (link) {
    if (link.tagName !== "A") return;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var url = new URL(location.href);
      url.searchParams.set("category", link.dataset.category);
      show(link.dataset.category);
      history.pushState({}, "", url);
    });
  });
  addEventListener("popstate", function () {
    show(new URL(location.href).searchParams.get("category") || "all");
  });
  show(new URL(location.href).searchParams.get("category") || "all");
})();
