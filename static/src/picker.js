// Checkbox pickers (config.forms.CheckboxPicker): adds a search box that filters the checkboxes,
// an accessible combobox after the WAI-ARIA combobox pattern (a text input that controls a
// multi-select listbox), and shows the ticked checkboxes as tags with "Remove" buttons.
// The checkboxes stay what the form posts; without JavaScript people tick them directly.

const MAX_RESULTS = 30;

// Whether a mouse button, finger or pen is down now (see Picker.closeAfterPress).
let pressing = false;
document.addEventListener("pointerdown", () => (pressing = true), true);
for (const type of ["pointerup", "pointercancel"]) {
  document.addEventListener(type, () => (pressing = false), true);
}

function words(text) {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

class Picker {
  constructor(root) {
    this.root = root;
    this.id = root.id;
    this.boxes = Array.from(root.querySelectorAll('input[type="checkbox"]'));
    this.options = [];
    this.active = -1;
    this.build();
    this.renderTags();
  }

  labelOf(box) {
    const label = this.root.querySelector(`label[for="${box.id}"]`);
    return label ? label.textContent.trim() : box.value;
  }

  build() {
    const id = this.id;
    const search = document.createElement("div");
    search.className = "app-picker__search";
    search.innerHTML = `
      <label class="govuk-label" for="${id}-search"></label>
      <div class="govuk-hint" id="${id}-search-hint">Type a word or two, then use the up and down arrows and Enter to choose</div>
      <div class="app-picker__combobox">
        <input class="govuk-input" id="${id}-search" type="text" role="combobox" autocomplete="off"
          aria-autocomplete="list" aria-expanded="false" aria-controls="${id}-listbox"
          aria-describedby="${id}-search-hint">
        <ul class="app-picker__listbox" id="${id}-listbox" role="listbox" aria-multiselectable="true"
          aria-label="Matching" hidden></ul>
      </div>
      <div class="govuk-visually-hidden" role="status" aria-live="polite" id="${id}-status"></div>
      <h3 class="govuk-heading-s app-picker__chosen-heading" id="${id}-chosen">Chosen</h3>
      <ul class="govuk-list app-picker__tags" aria-labelledby="${id}-chosen"></ul>`;
    search.querySelector("label").textContent = this.root.dataset.searchLabel || "Search";
    this.root.prepend(search);
    this.input = search.querySelector('[role="combobox"]');
    this.listbox = search.querySelector('[role="listbox"]');
    this.status = search.querySelector('[role="status"]');
    this.tags = search.querySelector(".app-picker__tags");
    this.count = this.root.querySelector(".app-picker__count");
    if (this.count) this.count.hidden = true;

    this.input.addEventListener("input", () => this.filter());
    this.input.addEventListener("keydown", (event) => this.onKey(event));
    this.input.addEventListener("blur", () => this.closeAfterPress());
    this.listbox.addEventListener("mousedown", (event) => event.preventDefault());
    this.listbox.addEventListener("click", (event) => {
      const option = event.target.closest('[role="option"]');
      if (option) this.toggle(this.options.indexOf(option));
    });
    this.root.addEventListener("change", (event) => {
      if (event.target.matches('input[type="checkbox"]')) this.renderTags();
    });
  }

  filter() {
    const query = words(this.input.value);
    this.listbox.replaceChildren();
    this.options = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    if (!query.length) {
      this.close();
      this.status.textContent = "";
      return;
    }
    const matches = this.boxes.filter((box) => {
      const text = `${this.labelOf(box)} ${box.dataset.group || ""}`.toLowerCase();
      return query.every((word) => text.includes(word));
    });
    for (const box of matches.slice(0, MAX_RESULTS)) {
      const option = document.createElement("li");
      option.id = `${this.id}-option-${box.value}`;
      option.className = "app-picker__option";
      option.setAttribute("role", "option");
      option.dataset.box = box.id;
      const text = document.createElement("span");
      text.textContent = this.labelOf(box);
      const group = document.createElement("span");
      group.className = "app-picker__option-group";
      group.textContent = box.dataset.group || "";
      option.append(text, group);
      this.options.push(option);
      this.listbox.append(option);
    }
    this.markSelected();
    if (!matches.length) {
      const none = document.createElement("li");
      none.className = "app-picker__none";
      none.textContent = "No matches";
      this.listbox.append(none);
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    const shown = Math.min(matches.length, MAX_RESULTS);
    this.status.textContent =
      matches.length > MAX_RESULTS
        ? `${matches.length} matches, the first ${MAX_RESULTS} shown: type more to narrow them`
        : `${shown} ${shown === 1 ? "match" : "matches"}`;
  }

  markSelected() {
    for (const option of this.options) {
      const box = document.getElementById(option.dataset.box);
      option.setAttribute("aria-selected", box.checked ? "true" : "false");
    }
  }

  // Focus leaves the search box when a press elsewhere begins (mousedown); the click comes when it
  // ends. Anything that moves the page in between sends the click elsewhere, and then a button
  // pressed below the list does nothing. So the list closes once the press is over.
  closeAfterPress() {
    if (!pressing) {
      this.close();
      return;
    }
    const done = () => {
      document.removeEventListener("pointerup", done, true);
      document.removeEventListener("pointercancel", done, true);
      // After the click the press ends in, unless focus has come back to the search box.
      setTimeout(() => {
        if (document.activeElement !== this.input) this.close();
      });
    };
    document.addEventListener("pointerup", done, true);
    document.addEventListener("pointercancel", done, true);
  }

  close() {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
    for (const option of this.options) option.classList.remove("app-picker__option--active");
  }

  move(step) {
    if (!this.options.length) return;
    if (this.listbox.hidden) {
      this.listbox.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
    }
    if (this.active >= 0) this.options[this.active].classList.remove("app-picker__option--active");
    this.active = (this.active + step + this.options.length) % this.options.length;
    const option = this.options[this.active];
    option.classList.add("app-picker__option--active");
    option.scrollIntoView({ block: "nearest" });
    this.input.setAttribute("aria-activedescendant", option.id);
  }

  onKey(event) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (this.listbox.hidden && this.input.value.trim()) this.filter();
        this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this.move(-1);
        break;
      case "Enter":
        // Enter chooses; it never sends the form from the search box.
        event.preventDefault();
        if (!this.listbox.hidden && this.active >= 0) this.toggle(this.active);
        break;
      case "Escape":
        if (!this.listbox.hidden) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
        }
        break;
      default:
    }
  }

  toggle(index) {
    const option = this.options[index];
    if (!option) return;
    const box = document.getElementById(option.dataset.box);
    box.checked = !box.checked;
    this.markSelected();
    this.renderTags();
    this.status.textContent = `${box.checked ? "Added" : "Removed"}: ${this.labelOf(box)}`;
  }

  renderTags() {
    const chosen = this.boxes.filter((box) => box.checked);
    this.tags.replaceChildren();
    for (const box of chosen) {
      const item = document.createElement("li");
      item.className = "app-picker__tag";
      const text = document.createElement("span");
      text.className = "app-picker__tag-text";
      text.textContent = this.labelOf(box);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "govuk-button govuk-button--secondary app-picker__remove";
      button.dataset.box = box.id;
      button.textContent = "Remove";
      const hidden = document.createElement("span");
      hidden.className = "govuk-visually-hidden";
      hidden.textContent = ` ${this.labelOf(box)}`;
      button.append(hidden);
      button.addEventListener("click", () => this.remove(box, button));
      item.append(text, button);
      this.tags.append(item);
    }
    if (!chosen.length) {
      const none = document.createElement("li");
      none.className = "app-picker__tags-none";
      none.textContent = "None chosen yet.";
      this.tags.append(none);
    }
  }

  remove(box, button) {
    const buttons = Array.from(this.tags.querySelectorAll(".app-picker__remove"));
    const index = buttons.indexOf(button);
    box.checked = false;
    this.renderTags();
    this.markSelected();
    this.status.textContent = `Removed: ${this.labelOf(box)}`;
    const left = Array.from(this.tags.querySelectorAll(".app-picker__remove"));
    (left[Math.min(index, left.length - 1)] || this.input).focus();
  }
}

export function initPickers(scope = document) {
  const roots = Array.from(scope.querySelectorAll('[data-module="app-picker"]'));
  if (scope.matches && scope.matches('[data-module="app-picker"]')) roots.push(scope);
  for (const root of roots) {
    if (!root.dataset.pickerReady) {
      root.dataset.pickerReady = "true";
      new Picker(root);
    }
  }
}
