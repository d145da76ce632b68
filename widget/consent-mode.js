/* Google Consent Mode v2 (docs/consent.md), only for a site whose policy.yaml maps its categories to the
   signals. Load it before any Google tag, without defer or async: every signal is denied until consent.js
   knows the visitor's choice, then each follows the categories the site maps to it. */
(function () {
  'use strict';
  var w = window;
  w.dataLayer = w.dataLayer || [];
  function gtag() { w.dataLayer.push(arguments); }
  if (!w.gtag) w.gtag = gtag;
  gtag('consent', 'default', {
    ad_storage: 'denied', analytics_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied',
    wait_for_update: 500
  });
  gtag('set', 'ads_data_redaction', true);
  document.addEventListener('privacy-consent:change', function (e) {
    if (e.detail.consentMode) gtag('consent', 'update', e.detail.consentMode);
  });
})();
