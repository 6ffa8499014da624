// The end-to-end flow of a real Mastodon client: the npm package masto,
// which Elk and Phanpy are built on, drives a running Starling through
// the same calls an app makes. e2e_test.go starts the server and runs
// this script with STARLING_URL set; any mismatch exits non-zero with a
// message naming the step.
import { createOAuthAPIClient, createRestAPIClient } from "masto";

const url = process.env.STARLING_URL;
if (!url) {
  console.error("FAIL: STARLING_URL is not set");
  process.exit(2);
}

let step = "start";
let checks = 0;

function check(ok, what, got) {
  checks++;
  if (!ok) {
    throw new Error(`${what}${got === undefined ? "" : `: got ${JSON.stringify(got)}`}`);
  }
}

function equal(got, want, what) {
  check(got === want, `${what}: want ${JSON.stringify(want)}`, got);
}

// expectHttpError runs fn and checks that it fails with HTTP status.
async function expectHttpError(fn, status, what) {
  try {
    await fn();
  } catch (e) {
    check(e.statusCode === status, `${what}: want HTTP ${status}`, e.statusCode ?? String(e));
    return;
  }
  check(false, `${what}: want HTTP ${status}, but the call succeeded`);
}

// Usernames are unique per run, so the script can run twice against one database.
const suffix = Math.random().toString(36).slice(2, 8);
const oob = "urn:ietf:wg:oauth:2.0:oob";
const scopes = "read write follow";

async function main() {
  const anon = createRestAPIClient({ url });
  const oauth = createOAuthAPIClient({ url });

  step = "instance";
  const instance = await anon.v2.instance.fetch();
  check(instance.version.includes("Starling"), "version names Starling", instance.version);
  equal(instance.configuration.statuses.maxCharacters, 280, "max characters");
  check(instance.registrations.enabled, "registrations open", instance.registrations);

  step = "register app";
  const app = await anon.v1.apps.create({ clientName: "starling-e2e", redirectUris: oob, scopes });
  check(app.clientId && app.clientSecret, "app has client credentials", app);

  step = "client_credentials token";
  const appToken = await oauth.token.create({
    grantType: "client_credentials",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: oob,
    scope: scopes,
  });
  check(appToken.accessToken, "app token issued", appToken);
  const asApp = createRestAPIClient({ url, accessToken: appToken.accessToken });

  step = "sign up";
  const password = "correct horse battery staple";
  const signUp = async (name) => {
    const token = await asApp.v1.accounts.create({
      username: `${name}_${suffix}`,
      email: `${name}_${suffix}@example.com`,
      password,
      agreement: true,
      locale: "en",
    });
    check(token.accessToken, `${name} got a token`, token);
    return createRestAPIClient({ url, accessToken: token.accessToken });
  };
  const alice = await signUp("alice");
  const bob = await signUp("bob");

  step = "verify credentials";
  const me = await alice.v1.accounts.verifyCredentials();
  equal(me.username, `alice_${suffix}`, "alice's username");
  equal(me.source.privacy, "public", "default privacy");
  const bobMe = await bob.v1.accounts.verifyCredentials();

  step = "password grant";
  const pw = await oauth.token.create({
    grantType: "password",
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: oob,
    scope: "read",
    username: `bob_${suffix}`,
    password,
  });
  const bobRead = createRestAPIClient({ url, accessToken: pw.accessToken });
  equal((await bobRead.v1.accounts.verifyCredentials()).id, bobMe.id, "password grant signs bob in");

  step = "post";
  const posted = [];
  for (let i = 1; i <= 5; i++) {
    const st = await bob.v1.statuses.create({ status: `post ${i} from bob #starling` });
    check(st.content.includes(`post ${i} from bob`), "content rendered", st.content);
    equal(st.account.id, bobMe.id, "author");
    equal(st.visibility, "public", "visibility");
    posted.push(st.id);
  }
  const mention = await bob.v1.statuses.create({ status: `hello @alice_${suffix}` });
  equal(mention.mentions.length, 1, "mentions resolved");
  equal(mention.mentions[0].id, me.id, "mentioned account");
  posted.push(mention.id);

  step = "follow";
  const rel = await alice.v1.accounts.$select(bobMe.id).follow();
  equal(rel.following, true, "following after follow");
  const [rel2] = await alice.v1.accounts.relationships.fetch({ id: [bobMe.id] });
  equal(rel2.following, true, "relationship says following");

  step = "home timeline across pages";
  const seen = [];
  let pages = 0;
  for await (const page of alice.v1.timelines.home.list({ limit: 2 })) {
    if (page.length > 0) pages++;
    check(page.length <= 2, "page within the limit", page.length);
    seen.push(...page.map((s) => s.id));
  }
  check(pages >= 3, "home timeline spans several pages", pages);
  equal(new Set(seen).size, seen.length, "no status twice");
  const newestFirst = [...posted].reverse();
  equal(JSON.stringify(seen), JSON.stringify(newestFirst), "home timeline holds bob's posts, newest first");

  step = "unfollow";
  const un = await alice.v1.accounts.$select(bobMe.id).unfollow();
  equal(un.following, false, "not following after unfollow");
  const after = await alice.v1.timelines.home.list({ limit: 40 });
  equal(after.length, 0, "home timeline empty after unfollow");

  step = "delete";
  const deleted = await bob.v1.statuses.$select(posted[0]).remove();
  equal(deleted.id, posted[0], "deleted status returned");
  equal(deleted.text, "post 1 from bob #starling", "deleted status carries its text for redrafting");
  await expectHttpError(() => alice.v1.statuses.$select(posted[0]).fetch(), 404, "deleted status is gone");
  // Mastodon answers 404 (the post is not alice's to delete); 403 is as good.
  await alice.v1.statuses.$select(posted[1]).remove().then(
    () => check(false, "alice deleted bob's post"),
    (e) => check(e.statusCode === 403 || e.statusCode === 404, "alice cannot delete bob's post", e.statusCode ?? String(e)),
  );
  equal((await anon.v1.statuses.$select(posted[1]).fetch()).id, posted[1], "bob's other post survives");

  step = "wrong token";
  const stranger = createRestAPIClient({ url, accessToken: "not-a-token" });
  await expectHttpError(() => stranger.v1.accounts.verifyCredentials(), 401, "bad token refused");
  await expectHttpError(() => asApp.v1.accounts.verifyCredentials(), 422, "app token is not a user");
}

try {
  await main();
  console.log(`ok: ${checks} checks passed`);
} catch (e) {
  console.error(`FAIL at step "${step}": ${e.message ?? e}`);
  process.exit(1);
}
