import { initAll } from "../vendor/govuk/govuk-frontend.min.js";
import { initPickers } from "./picker.js";

initAll();
initPickers();
// Forms that htmx swaps in get their pickers too.
document.addEventListener("htmx:load", (event) => initPickers(event.target));
