// Starts GraphiQL on the Latchkey IDE page. The endpoint and the default query
// come from data attributes of #graphiql; the API token from the form above
// the editor, which keeps it in localStorage.
(function () {
  'use strict';

  var TOKEN_KEY = 'latchkey:ide:token';

  var mount = document.getElementById('graphiql');
  var form = document.getElementById('ide-token-form');
  var input = document.getElementById('ide-token');
  var forget = document.getElementById('ide-token-forget');
  var status = document.getElementById('ide-token-status');

  // GraphiQL's modal dialogs add a <style> element for their scroll lock; it
  // takes its nonce from this global. The page's Content-Security-Policy
  // allows styles with this nonce, which changes with every page load.
  window.__webpack_nonce__ = mount.dataset.styleNonce;
  delete mount.dataset.styleNonce;

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    document.getElementById('ide-message').textContent =
      'The GraphQL IDE could not be loaded: its scripts are missing.';
    return;
  }

  function loadToken() {
    try {
      return window.localStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return '';
    }
  }

  function saveToken(value) {
    try {
      if (value) {
        window.localStorage.setItem(TOKEN_KEY, value);
      } else {
        window.localStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) {
      // Storage may be disabled; the token then lasts as long as the page.
    }
  }

  // cleanToken accepts a pasted "Bearer <token>" as well as the bare token.
  function cleanToken(value) {
    return value.trim().replace(/^bearer\s+/i, '');
  }

  // token is what requests are sent with; rendered is the token the schema
  // was last fetched with.
  var token = loadToken();
  var rendered = null;
  input.value = token;

  // authFetch adds the token to a request, unless the request already has an
  // Authorization header (set in GraphiQL's Headers tab).
  function authFetch(url, init) {
    var options = Object.assign({}, init);
    var headers = new Headers(options.headers);
    if (token && !headers.has('Authorization')) {
      headers.set('Authorization', 'Bearer ' + token);
    }
    options.headers = headers;
    options.credentials = 'same-origin';
    return window.fetch(url, options);
  }

  var root = ReactDOM.createRoot(mount);

  // render (re)draws GraphiQL. A new fetcher makes GraphiQL fetch the schema
  // again, so it is only made when the token has changed.
  function render() {
    if (rendered === token) {
      return;
    }
    rendered = token;
    root.render(
      React.createElement(GraphiQL, {
        fetcher: GraphiQL.createFetcher({
          url: mount.dataset.endpoint,
          fetch: authFetch,
          enableIncrementalDelivery: false,
        }),
        defaultQuery: mount.dataset.defaultQuery,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
      })
    );
  }

  function showStatus() {
    status.textContent = token ? 'token in use' : 'no token';
  }

  function useToken() {
    token = cleanToken(input.value);
    input.value = token;
    saveToken(token);
    showStatus();
    render();
  }

  // Requests made while typing already use the new token; it is saved, and
  // the schema fetched again, when the field is left or the form submitted.
  input.addEventListener('input', function () {
    token = cleanToken(input.value);
  });
  input.addEventListener('change', useToken);
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    useToken();
  });
  forget.addEventListener('click', function () {
    input.value = '';
    useToken();
  });

  showStatus();
  render();
})();
