// A community organization's staffer runs one program end to end in the demo, in a real
// browser: intake from a participant's grant (each field showing which record it came from),
// the participant's plan skill by skill, progress on the dashboard, and the outcome report with
// its charts and suppressed cells; then the funder's view, and the participant's own progress
// and consent choice in the wallet.
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

async function staffSignIn(page, email, landing = "/console") {
  await page.goto(`${demo.base}/console`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${demo.base}${landing}`);
}

test("a CBO staffer takes in a grant, plans, tracks progress and reports outcomes", async () => {
  const page = await person(browser);
  await staffSignIn(page, "coach@bridges.example");
  await page.getByRole("link", { name: "Programs" }).first().click();
  await page.waitForURL(/\/console\/programs$/);
  assert.ok(await page.getByText("Warehouse Career Pathway").first().isVisible());
  await shot(page, "cbo-01-programs");

  // Intake: the grants people shared; take James's in again.
  await page.getByRole("link", { name: "Participants" }).first().click();
  await page.waitForURL(/\/console\/participants$/);
  await shot(page, "cbo-02-participants-and-grants");
  const james = page.locator("form.record", { hasText: "James Carter" });
  await james.getByRole("button").click();
  await page.waitForURL(/\/console\/participants\/p_[^/?]+\?done=intake$/);
  assert.equal(await page.locator("h1").textContent(), "James Carter");
  assert.ok(await page.getByText("The profile is filled from the shared records.").isVisible());
  // Every field says which record it came from, when it was checked, and the result.
  const field = page.locator(".provenance li").first();
  assert.match(await field.textContent(), /From .+verified.+checked \d{4}-\d\d-\d\d/s);
  await shot(page, "cbo-03-profile-with-provenance");

  // Correct a field: the record's value stays beside the correction.
  const details = page.locator("details", { hasText: "Correct or add a note" }).first();
  await details.locator("summary").click();
  await details.getByLabel("Or a note").fill("Checked the certificate in person");
  await details.getByRole("button", { name: "Save" }).click();
  await page.waitForURL(/done=corrected$/);
  assert.ok(await page.getByText("Note: Checked the certificate in person").isVisible());

  // María's plan: skill by skill, milestones waived or remaining.
  await page.goto(`${demo.base}/console/participants`);
  await page.getByRole("link", { name: "María López" }).click();
  await page.getByRole("link", { name: "Plan for Warehouse Career Pathway" }).click();
  await page.waitForURL(/\/plan\?program=warehouse-pathway$/);
  assert.ok(await page.getByText("Waive").first().isVisible());
  assert.ok(await page.getByText("Matched").first().isVisible());
  assert.ok(await page.getByText("Missing").first().isVisible());
  await shot(page, "cbo-04-plan");

  // Progress: the dashboard of the current cohort.
  await page.goto(`${demo.base}/console/programs/warehouse-pathway/dashboard?cohort=current`);
  assert.ok(await page.getByRole("heading", { name: "Progress: Warehouse Career Pathway" }).isVisible());
  for (const status of ["Done", "In progress", "Not started"]) {
    assert.ok(await page.locator(".pill", { hasText: status }).first().isVisible(), status);
  }
  await shot(page, "cbo-05-dashboard");

  // The outcome report: charts, figures with their basis, and "fewer than 10".
  await page.goto(`${demo.base}/console/outcomes/warehouse-pathway`);
  assert.ok(await page.locator("svg.chart").first().isVisible());
  assert.ok(await page.getByText("fewer than 10").first().isVisible());
  const csv = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  const exported = await page.evaluate(async (href) => (await fetch(href)).text(), csv);
  assert.match(exported, /^report,program,as_of,cohort,measure/);
  await shot(page, "cbo-06-outcome-report");
});

test("the funder sees the aggregate report and nothing else", async () => {
  const page = await person(browser);
  await staffSignIn(page, "funder@bridges.example", "/console/outcomes");
  assert.equal(await page.locator("nav.actions a").count(), 1);
  await page.getByRole("link", { name: "Warehouse Career Pathway" }).click();
  assert.ok(await page.getByText("fewer than 10").first().isVisible());
  await page.goto(`${demo.base}/console/participants`);
  await page.waitForURL(/\/console\/outcomes$/);
  await shot(page, "cbo-07-funder");
});

test("the participant sees her progress and withdraws her outcome consent", async () => {
  const page = await person(browser);
  await page.goto(`${demo.base}/me/programs`);
  await page.locator("#email").fill("maria@example.org");
  await page.locator("#password").fill(PASSWORD);
  await page.locator("form[action='/me/login'] button").click();
  await page.waitForURL(/\/me\/programs$/);
  assert.ok(await page.getByRole("heading", { name: "Warehouse Career Pathway" }).isVisible());
  assert.ok(await page.locator(".pill", { hasText: "Done" }).first().isVisible());
  await shot(page, "cbo-08-wallet-progress");
  await page.getByRole("button", { name: "Withdraw my consent" }).click();
  await page.waitForURL(/\/me\/programs\?done=consent$/);
  assert.ok(await page.getByText("You withdrew your consent").isVisible());
  await shot(page, "cbo-09-wallet-consent-withdrawn");
});
