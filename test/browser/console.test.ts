// The web console in real headless Chromium (Debian's package, driven by playwright-core), against the real
// server in sandbox mode with a fake model: the simulator, the live inbox, the handoff and the order review.
// Every wait is for an element or a condition (playwright's auto-waiting locators), never a fixed sleep.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textsFor } from '../../src/escalation/default-texts.js';
import { actionTextsFor } from '../../src/actions/action-texts.js';
import { lastUserText, startFakeModel, type ChatRequest, type FakeModel, type ModelReply } from '../helpers/fake-model.js';
import { ADMIN_TOKEN, startSwitchboard, tenantFile, type RunningSwitchboard } from '../helpers/switchboard.js';
import { buildConsoleIfStale, CHROMIUM_PATH, clearFailureScreenshots, saveScreenshot } from '../helpers/console-browser.js';

const TENANT = 'console-shop';
const PHONE_NUMBER_ID = '402000000000001';
/** A second business, for the staff token that must see only it. */
const CLINIC = 'console-clinic';
const CUSTOMER = '15550142001';
const MANAGER = '15550142999';
const EN = actionTextsFor('en');

/** The model's script: a customer text → its answer; after tool results it reports them. */
function scriptedModel(request: ChatRequest): ModelReply | string {
  const last = request.messages[request.messages.length - 1];
  if (last?.role === 'tool') return { content: 'Thanks! Your order is noted.' };
  const text = lastUserText(request);
  if (text === 'two crates of mangoes, please') return { toolCalls: [{ name: 'place_order', arguments: { items: [{ sku: 'MANGO-CRATE', quantity: 2 }] } }] };
  return `echo: ${text}`;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'switchboard-console-'));
let model: FakeModel;
let server: RunningSwitchboard;
let browser: Browser;
/** The customer's phone: the simulator. */
let customer: Page;
/** The agent's screen: the console's inbox and orders. */
let agent: Page;
/** A desktop screen, for the README's screenshots. */
let desktop: BrowserContext;

beforeAll(async () => {
  // 1. The console's built files (built here when missing or older than its sources), and the browser.
  await buildConsoleIfStale();
  clearFailureScreenshots();
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (.ci/run does)`);

  // 2. The real server in sandbox mode: replies go to the built-in Graph stand-in, the simulator shows them.
  model = await startFakeModel({ reply: scriptedModel });
  const catalogue = path.join(scratch, 'catalogue.yaml');
  writeFileSync(catalogue, ['items:', '  - { sku: MANGO-CRATE, name: Crate of mangoes, price: "60.00", stock: 20 }'].join('\n'));
  server = await startSwitchboard({
    graphUrl: 'http://127.0.0.1:9', // unused: sandbox mode answers the sends in-process
    env: { WHATSAPP_SANDBOX: '1' },
    tenants: [
      tenantFile({
        id: TENANT,
        phoneNumberId: PHONE_NUMBER_ID,
        modelUrl: model.url,
        keywords: ['agent'],
        notify: `+${MANAGER}`,
        extra: {
          name: 'Mango Market',
          tools: ['check_inventory', 'place_order', 'order_status'],
          catalogue: { file: catalogue, currency: 'USD' },
          rules: { order_review_threshold: 100, order_review_notify: `+${MANAGER}` },
        },
      }),
      tenantFile({ id: CLINIC, phoneNumberId: '402000000000002', modelUrl: model.url, extra: { name: 'Bright Smile Clinic' } }),
    ],
  });

  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  // Two phones (staff live on theirs): the customer's, and the agent's.
  customer = await phone();
  agent = await phone();
}, 120_000);

afterAll(async () => {
  await desktop?.close();
  await browser?.close();
  await server?.stop();
  await model?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function phone(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

/** Waits until the locator is visible; fails naming what was expected, with a screenshot of the page then. */
async function see(locator: Locator, what: string): Promise<Locator> {
  try {
    await locator.first().waitFor({ state: 'visible' });
  } catch (error) {
    const file = await saveScreenshot(locator.page(), `failed-${what.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`).catch(() => null);
    throw new Error(`expected to see ${what}${file ? ` (screenshot: ${file})` : ''}: ${(error as Error).message.split('\n')[0]}`);
  }
  return locator.first();
}

async function signIn(page: Page, pathname = '/console/'): Promise<void> {
  await page.goto(`${server.url}${pathname}`);
  await page.getByLabel('Access token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await see(page.getByRole('navigation', { name: 'Sections' }), 'the console navigation after signing in');
}

/** The live event stream is open (the header's dot turns green), so no event can be missed from here on. */
async function waitUntilLive(page: Page): Promise<void> {
  await see(page.locator('.live-dot.live'), 'the live dot (event stream connected)');
}

function chat(page: Page): Locator {
  return page.getByRole('log', { name: 'Simulator chat' });
}

/** Types a number into the simulator and waits until its stream for that number is open. */
async function chatAs(page: Page, number: string): Promise<void> {
  await page.getByLabel('Customer number').fill(`+${number}`);
  await page.getByLabel('Customer number').press('Enter');
  await see(page.getByText(`online · you are +${number}`), `the simulator connected as +${number}`);
}

async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

function botMessage(page: Page, text: string | RegExp): Locator {
  return chat(page).getByTestId('bot-message').filter({ hasText: text });
}

// Under a full parallel suite on two cores a step can take seconds: generous limits, still no sleeps.
describe('the console in a browser', { timeout: 40_000 }, () => {
  it('signs in with a token and shows who is signed in', async () => {
    await customer.goto(`${server.url}/console/`);
    await see(customer.getByRole('heading', { name: 'Sign in to the console' }), 'the sign-in page');
    await customer.getByLabel('Access token').fill('not-the-token-0123456789');
    await customer.getByRole('button', { name: 'Sign in' }).click();
    await see(customer.getByRole('alert').filter({ hasText: /UNAUTHORIZED|401|token/i }), 'a refusal for a wrong token');

    await customer.getByLabel('Access token').fill(ADMIN_TOKEN);
    await customer.getByRole('button', { name: 'Sign in' }).click();
    await customer.getByLabel('Account').click();
    const whoami = await see(customer.getByTestId('whoami'), 'who is signed in');
    expect(await whoami.textContent()).toMatch(/agency admin/i);
    await customer.keyboard.press('Escape');
    await whoami.waitFor({ state: 'hidden' });
  });

  it('chats as a customer in the simulator and gets the bot reply', async () => {
    await customer.getByRole('link', { name: 'Simulator' }).click();
    await customer.getByLabel('Simulator tenant').selectOption({ label: 'Mango Market' });
    await chatAs(customer, CUSTOMER);
    await say(customer, 'hello there');
    await see(botMessage(customer, 'echo: hello there'), "the bot's reply in the simulator");
  });

  it('shows an escalation in the inbox as it happens', async () => {
    await signIn(agent, '/console/inbox');
    await waitUntilLive(agent);
    await say(customer, 'I want to talk to an agent');
    await see(botMessage(customer, textsFor('en').escalationMessage), 'the escalation text in the simulator');
    const row = agent.locator('.conversation-row').filter({ hasText: `+${CUSTOMER}` }).filter({ hasText: 'Escalated' });
    await see(row, 'the escalated conversation in the inbox, without a reload');
    await saveScreenshot(agent, 'inbox-list-phone.png');
  });

  it('answers as an agent, and the customer gets the answer', async () => {
    await agent.locator('.conversation-row').filter({ hasText: `+${CUSTOMER}` }).first().getByRole('link').click();
    await see(agent.getByTestId('conversation-mode').getByText('Human mode'), 'the conversation in human mode');
    await see(agent.getByLabel('Transcript').getByText('I want to talk to an agent'), 'the transcript');
    await agent.getByLabel('Reply as an agent').fill('Hi, this is Ana from Mango Market. How can I help?');
    await agent.getByRole('button', { name: 'Send', exact: true }).click();
    await see(botMessage(customer, 'Hi, this is Ana from Mango Market. How can I help?'), "the agent's answer in the simulator");
    await see(agent.getByLabel('Transcript').getByText('Hi, this is Ana from Mango Market.'), "the agent's answer in the transcript");
    await saveScreenshot(agent, 'inbox-conversation-phone.png');

    // The same conversation on a desktop, for the README.
    desktop = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    desktop.setDefaultTimeout(15_000);
    const page = await desktop.newPage();
    await signIn(page, `/console/inbox/${TENANT}/${CUSTOMER}`);
    await see(page.getByLabel('Transcript').getByText('Hi, this is Ana from Mango Market.'), 'the transcript on the desktop');
    await saveScreenshot(page, 'inbox-desktop.png', { docsName: 'console-inbox.png' });
  });

  it('gives the conversation back to the bot, which answers again', async () => {
    await agent.getByRole('button', { name: 'Give back to bot' }).click();
    await see(agent.getByTestId('conversation-mode').getByText('Bot mode'), 'the conversation back in bot mode');
    await say(customer, 'are you a bot again?');
    await see(botMessage(customer, 'echo: are you a bot again?'), 'the bot answering again');

    await agent.getByRole('button', { name: 'Take over' }).click();
    await see(agent.getByTestId('conversation-mode').getByText('Human mode'), 'the conversation taken over');
    await agent.getByRole('button', { name: 'Give back to bot' }).click();
    await see(agent.getByTestId('conversation-mode').getByText('Bot mode'), 'the conversation given back');
  });

  it("approves an order waiting for review, and the customer hears of it", async () => {
    await agent.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Mango Market' });
    await agent.getByRole('link', { name: 'Orders' }).click();
    await see(agent.getByText('No order is waiting for a review.'), 'an empty review list');
    await say(customer, 'two crates of mangoes, please');
    await see(botMessage(customer, 'Thanks! Your order is noted.'), "the bot's answer to the order");

    const card = await see(agent.locator('.card.order'), 'the order waiting for review (arrived live)');
    const orderId = (await card.getAttribute('data-order-id'))!;
    expect(await card.textContent()).toContain('$120.00');
    await card.getByRole('button', { name: /^Approve/ }).click();
    await see(agent.getByText('No order is waiting for a review.'), 'the review list empty again');
    await see(agent.getByRole('table', { name: 'Recent orders' }).getByRole('row').filter({ hasText: orderId }).filter({ hasText: 'confirmed' }), 'the order confirmed');
    await see(botMessage(customer, EN.orderApproved(orderId, '$120.00')), 'the approval in the simulator');

    const orders = await server.admin('GET', `/admin/tenants/${TENANT}/orders`);
    expect(orders.json.orders.find((order: { id: string }) => order.id === orderId)).toMatchObject({ status: 'confirmed', totalMinor: 12_000 });
  });

  it("lets the manager decide with WhatsApp's buttons, shown and pressed in the simulator", async () => {
    await say(customer, 'two crates of mangoes, please');
    await see(botMessage(customer, 'Thanks! Your order is noted.').nth(1), "the bot's answer to the second order");
    const card = await see(agent.locator('.card.order'), 'the second order waiting for review');
    const orderId = (await card.getAttribute('data-order-id'))!;

    // 1. The simulator becomes the manager's phone: the review request carries Approve / Reject buttons.
    await chatAs(customer, MANAGER);
    const request = await see(chat(customer).locator('.bubble-row').filter({ hasText: orderId }).filter({ has: customer.getByRole('button', { name: 'Reject' }) }), 'the review request with its buttons');
    await request.getByRole('button', { name: 'Reject' }).click();
    await see(botMessage(customer, EN.managerDecided(orderId, 'rejected')), "the manager's confirmation");

    // 2. The console hears of it live, and the customer is told.
    await see(agent.getByText('No order is waiting for a review.'), 'the review list empty again');
    await chatAs(customer, CUSTOMER);
    await see(botMessage(customer, EN.orderRejected(orderId)), "the rejection in the customer's chat, loaded again");
    await see(chat(customer).getByTestId('customer-message').filter({ hasText: 'I want to talk to an agent' }), "the customer's own earlier messages, loaded again");
  });

  it('shows the figures on the overview, and saves screenshots', async () => {
    await agent.getByRole('link', { name: 'Overview' }).first().click();
    await see(agent.locator('[data-figure="messagesIn"] dd').filter({ hasText: /[1-9]/ }), 'messages counted in the figures');
    await see(agent.locator('.chart canvas'), 'a chart');
    await saveScreenshot(agent, 'overview-phone.png', { fullPage: true });
    await saveScreenshot(customer, 'simulator-phone.png');

    const page = desktop.pages()[0]!;
    await page.getByLabel('Tenant', { exact: true }).selectOption({ label: 'Mango Market' });
    await page.getByRole('link', { name: 'Overview' }).first().click();
    await see(page.locator('[data-figure="messagesIn"] dd').filter({ hasText: /[1-9]/ }), 'messages counted on the desktop');
    await see(page.locator('.chart canvas'), 'a chart on the desktop');
    await saveScreenshot(page, 'overview-desktop.png', { docsName: 'console-overview.png' });
  });

  it('shows a staff token only its own tenant', async () => {
    const created = await fetch(`${server.url}/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: CLINIC, name: 'front desk' }),
    });
    expect(created.status).toBe(200);
    const { token } = (await created.json()) as { token: string };

    const staff = await phone();
    await staff.goto(`${server.url}/console/`);
    await staff.getByLabel('Access token').fill(token);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await see(staff.locator('.health-list .health'), "the tenant's health");
    expect(await staff.locator('.health-list .health').allTextContents()).toEqual([expect.stringContaining('Bright Smile Clinic')]);
    await staff.getByLabel('Account').click();
    expect(await (await see(staff.getByTestId('whoami'), 'who is signed in')).textContent()).toContain('staff token');
    await staff.keyboard.press('Escape');

    await staff.getByRole('link', { name: 'Inbox' }).click();
    await see(staff.getByText('No conversations yet.'), "an inbox without the other tenant's conversations");
    await staff.getByRole('link', { name: 'Follow-ups' }).click();
    await see(staff.getByText('Nothing scheduled.'), 'the follow-ups page');
    await staff.getByRole('link', { name: 'Dead letters' }).click();
    await see(staff.getByText('No dead letters.'), 'the dead letters page');
  });
});
