// Settings › Contact fields: the key follows the label until edited, and the options field
// is shown only for a choice field.

const form = document.querySelector("[data-field-form]");
if (form) {
  const label = form.querySelector("[name=label]");
  const key = form.querySelector("[name=key]");
  const type = form.querySelector("[name=type]");
  const options = form.querySelector("[data-options]");
  let keyEdited = key.value !== "";

  const slug = (text) =>
    text
      .toLowerCase()
      .normalize("NFKD")
      .replace(/ß/g, "ss")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^[^a-z]+|_+$/g, "")
      .slice(0, 50);

  label.addEventListener("input", () => {
    if (!keyEdited) key.value = slug(label.value);
  });
  key.addEventListener("input", () => {
    keyEdited = key.value !== "";
  });
  const toggle = () => {
    options.hidden = type.value !== "select";
  };
  type.addEventListener("change", toggle);
  toggle();
}
