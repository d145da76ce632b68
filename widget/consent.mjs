// The widget as an ES module: import it, then start it with the site's id (docs/consent.md).
import './consent.js';

const api = window.PrivacyConsent;
const base = new URL('./', import.meta.url).href;

export const PrivacyConsent = Object.assign({}, api, {
  start(options) {
    api.start(Object.assign({base}, options));
  }
});
export default PrivacyConsent;
