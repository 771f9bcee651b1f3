// The flows a newcomer to the demo does, driven in a real browser: verify a pasted record;
// issue, then claim in the wallet; share, then open the link as the employer; stop sharing,
// after which the link no longer works; a CSV batch with one bad row.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { PASSWORD, launch, person, shot, startDemo } from "./harness.mjs";

let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function staffSignIn(page, email) {
  await page.goto(`${demo.base}/console`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${demo.base}/console`);
}

async function walletSignIn(page, email) {
  await page.locator("#email").fill(email);
  await page.locator("#password").fill(PASSWORD);
  await page.locator("form[action='/me/login'] button").click();
}

test("the verifier checks a pasted record and puts the verdict first", async () => {
  const share = demo.out.match(/http:\/\/localhost:\d+\/share\/[A-Za-z0-9_-]+/)[0];
  const pkg = await (await fetch(share, { headers: { accept: "application/json" } })).json();
  const credential = JSON.stringify(pkg.records[0].credential);
  const page = await person(browser);
  await page.goto(`${demo.base}/verify`);
  await shot(page, "01-verify-form");
  await page.locator("#text").fill(credential);
  await page.locator("#text").press("Tab");
  await page.locator("form:has(#text) button").click();
  const verdict = page.locator(".verdict.ok h1");
  await assert.doesNotReject(verdict.waitFor());
  assert.equal(await verdict.textContent(), "Verified");
  assert.ok(await page.getByText("Registered here").first().isVisible());
  await shot(page, "02-verdict");
  // The same page in Spanish, through the visible switch.
  await page.getByRole("link", { name: "Español" }).click();
  await page.waitForURL(/\/verify$/);
  assert.equal(await page.locator("h1").first().textContent(), "Verificar un registro");
  await shot(page, "03-verify-form-es");
  // A tampered copy fails.
  const tampered = JSON.parse(credential);
  tampered.credentialSubject.achievement.name = "Brain Surgery";
  await page.locator("#text").fill(JSON.stringify(tampered));
  await page.locator("form:has(#text) button").click();
  await page.locator(".verdict.bad").waitFor();
  assert.equal(await page.locator(".verdict.bad h1").textContent(), "No verificado");
  await shot(page, "04-verdict-tampered-es");
  await page.context().close();
});

test("where the browser has BarcodeDetector, the camera reads a QR code and checks it", async () => {
  // Chromium on Linux has no BarcodeDetector and this machine no camera: stand in for both,
  // so the page's own script (button, camera, detection loop, submit) is what runs.
  const share = demo.out.match(/http:\/\/localhost:\d+\/share\/[A-Za-z0-9_-]+/)[0];
  const page = await person(browser);
  await page.addInitScript((link) => {
    window.BarcodeDetector = class {
      static async getSupportedFormats() { return ["qr_code"]; }
      async detect() { return [{ rawValue: link }]; }
    };
    navigator.mediaDevices.getUserMedia = async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 64;
      canvas.height = 64;
      canvas.getContext("2d").fillRect(0, 0, 32, 32);
      return canvas.captureStream(5);
    };
  }, share);
  await page.goto(`${demo.base}/verify`);
  const button = page.getByRole("button", { name: "Scan with the camera" });
  await button.waitFor();
  await shot(page, "03b-scan-with-camera");
  await button.click();
  await page.getByRole("heading", { name: "What was shared" }).waitFor();
  assert.ok(await page.locator(".verdict.ok").first().isVisible());
  await page.context().close();
});

test("staff issue a record and the participant claims it into the wallet", async () => {
  const staff = await person(browser);
  await staffSignIn(staff, "registrar@riverside.example");
  await shot(staff, "05-console");
  await staff.goto(`${demo.base}/console/org`);
  assert.ok(await staff.getByText("did:web:localhost").first().isVisible());
  await shot(staff, "05b-organization");
  await staff.goto(`${demo.base}/console/achievements/forklift-safety`);
  assert.equal(await staff.locator("#targetName-0").inputValue(), "Operate industrial trucks and forklifts");
  await shot(staff, "05c-achievement-with-skills");
  await staff.goto(`${demo.base}/console/issue`);
  await staff.getByLabel("Achievement").selectOption("intro-welding");
  await staff.getByLabel("Full name").fill("James Carter");
  await staff.locator("#email").fill("james@example.org");
  await staff.getByRole("button", { name: "Issue the record" }).click();
  await staff.getByRole("heading", { name: "Record issued" }).waitFor();
  const claim = await staff.locator("#claim-url").inputValue();
  assert.match(claim, /\/wallet\/claim\//);
  await shot(staff, "06-issued-with-claim-link");

  const james = await person(browser);
  await james.goto(claim);
  await walletSignIn(james, "james@example.org");
  await james.getByRole("button", { name: "Add the record to my wallet" }).click();
  await james.getByText("The record is in your wallet.").waitFor();
  const cards = await james.locator("article.card h3").allTextContents();
  assert.equal(cards.filter((c) => c === "Introduction to Welding").length, 2, cards.join(" | "));
  await shot(james, "07-wallet-after-claim");
  await staff.context().close();
  await james.context().close();
});

let shareLink;

test("a participant shares a record and the employer opens the link", async () => {
  const maria = await person(browser);
  await maria.goto(`${demo.base}/me`);
  await walletSignIn(maria, "maria@example.org");
  await maria.getByRole("heading", { name: "Education and training" }).waitFor();
  await shot(maria, "08-wallet");
  await maria.locator("article.card h3 a", { hasText: "Customer Service Fundamentals" }).click();
  await maria.locator(".verdict.ok").waitFor();
  await shot(maria, "09-record-detail");
  await maria.getByRole("link", { name: "Share this record" }).click();
  await maria.getByLabel("An organization in ler").selectOption("harbor");
  await maria.getByLabel("Employment (a job application or proof of work history)").check();
  await maria.getByLabel("In your words (optional)").fill("Customer service opening");
  await shot(maria, "10-share-form");
  await maria.getByRole("button", { name: "Share", exact: true }).click();
  await maria.getByRole("heading", { name: "Ready to share" }).waitFor();
  shareLink = await maria.locator("#share-url").inputValue();
  assert.ok(await maria.locator("svg.qr").isVisible());
  await shot(maria, "11-share-link-and-qr");

  const employer = await person(browser);
  await employer.goto(shareLink);
  await employer.locator(".verdict.ok").first().waitFor();
  assert.ok(await employer.getByText("Customer service opening").isVisible());
  assert.ok(await employer.getByText("Customer Service Fundamentals").first().isVisible());
  await shot(employer, "12-employer-opens-link");
  await employer.context().close();
  await maria.context().close();
});

test("stopping a share takes effect at once: the link stops working", async () => {
  assert.ok(shareLink, "the share test ran first");
  const maria = await person(browser);
  await maria.goto(`${demo.base}/me/grants`);
  await walletSignIn(maria, "maria@example.org");
  await maria.getByRole("button", { name: "Stop sharing" }).first().click();
  await maria.getByText("Sharing stopped. The link no longer works.").waitFor();
  await shot(maria, "13-grants-after-revoke");
  await maria.goto(`${demo.base}/me/log`);
  assert.ok(await maria.getByText("Harbor Logistics").first().isVisible());
  await shot(maria, "14-access-log");
  await maria.goto(`${demo.base}/me/data`);
  await shot(maria, "14b-export-import-print");

  const employer = await person(browser);
  const res = await employer.goto(shareLink);
  assert.equal(res.status(), 404);
  assert.ok(await employer.getByRole("heading", { name: "This link does not work" }).isVisible());
  await shot(employer, "15-link-stopped");
  await employer.context().close();
  await maria.context().close();
});

test("a CSV batch with one bad row issues the others and shows their claim links", async () => {
  const staff = await person(browser);
  await staffSignIn(staff, "coach@bridges.example");
  await staff.goto(`${demo.base}/console/bulk`);
  await staff.getByLabel("Or paste the rows here").fill(
    [
      "recipient,name,achievement,result,awarded",
      "rosa@example.org,Rosa Díaz,job-readiness,Complete,2026-05-01",
      "not an email,Tom,job-readiness,,",
      "lee@example.org,Lee Park,digital-literacy,,2026-05-02",
    ].join("\n"),
  );
  await staff.getByRole("button", { name: "Check the rows" }).click();
  await staff.getByText("2 row(s) ready to issue, 1 with problems").waitFor();
  assert.equal(await staff.locator("tr.bad").count(), 1);
  await shot(staff, "16-bulk-preview");
  await staff.getByRole("button", { name: "Issue 2 record(s)" }).click();
  // The page's script follows the job and reloads when it is done.
  await staff.getByText("Done: 2 record(s) issued, 1 skipped.").waitFor({ timeout: 30_000 });
  assert.equal(await staff.locator("a[href*='/wallet/claim/']").count(), 2);
  await shot(staff, "17-bulk-done");
  await staff.goto(`${demo.base}/console/records?q=rosa`);
  assert.ok(await staff.getByText("rosa@example.org").first().isVisible());
  await shot(staff, "18-records");
  await staff.context().close();
});
