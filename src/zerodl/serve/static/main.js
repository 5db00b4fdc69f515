// The page: two tabs (Draw and Learn), the language, and the state kept in the URL's #fragment
// (tab, language and the Learn tab's settings), so that a link shows the page as it was.

import {loadModel, refreshDraw, setupDraw} from "./draw.js";
import {browserLanguage, currentLanguage, setLanguage} from "./i18n.js";
import {refreshLearn, setupLearn} from "./learn.js";

const state = new URLSearchParams(location.hash.slice(1));

function remember(changes) {
  for (const [key, value] of Object.entries(changes)) state.set(key, value);
  history.replaceState(null, "", `#${state}`);
}

function showTab(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const chosen = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(chosen));
    document.getElementById(tab.dataset.tab).hidden = !chosen;
  }
  remember({tab: name});
}

function useLanguage(name) {
  setLanguage(name);
  const other = currentLanguage() === "ja" ? "en" : "ja";
  const button = document.getElementById("language");
  button.textContent = other === "ja" ? "日本語" : "English";
  button.lang = other;
  button.onclick = () => {
    useLanguage(other);
    remember({lang: other});
    refreshDraw();
    refreshLearn();
  };
}

useLanguage(state.get("lang") || browserLanguage());
for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
}
showTab(state.get("tab") === "learn" ? "learn" : "draw");
setupDraw();
await loadModel();
await setupLearn(Object.fromEntries(state), {changed: remember, trained: loadModel});
document.body.dataset.ready = "true";
