// Verifies webhook deliveries that the server posted with the Standard
// Webhooks reference library. Argument: a JSON file of
//   {"secrets": ["whsec_…", …], "messages": [{"headers": {…}, "body": "…"}, …]}
// Prints {"results": [[ok for each secret] for each message]}, where ok is
// true when Webhook(secret).verify(body, headers) accepts the message and
// returns the parsed body.
import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = input.messages.map(({ headers, body }) =>
  input.secrets.map((secret) => {
    try {
      const parsed = new Webhook(secret).verify(body, headers);
      return typeof parsed === "object" && parsed !== null && typeof parsed.type === "string";
    } catch (err) {
      if (err && err.name === "WebhookVerificationError") return false;
      throw err;
    }
  }),
);
console.log(JSON.stringify({ results }));
