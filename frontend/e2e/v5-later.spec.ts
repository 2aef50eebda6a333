/**
 * Reminders and scheduled messages (functions/remind.py, functions/scheduled.py) in Debian's
 * Chromium against the REAL system (infra/e2e.sh starts it; without PARLEY_E2E_URL these skip),
 * on a phone (390 px) and a desktop (1280 px) screen: `/remind` sets, lists and cancels
 * reminders and a due one arrives as a notice and a direct message from `remind`; the
 * composer's "Send later" (clock) schedules a message that can be edited and cancelled, and one that comes
 * due is posted as its author.
 */
import { expect, test, unique } from './support';

test.skip(!process.env.PARLEY_E2E_URL, 'needs the real system: run bash infra/e2e.sh');

/** A `datetime-local` value `seconds` from now, rounded up to the next whole minute. */
function nextMinute(seconds: number): string {
  const at = new Date(Date.now() + seconds * 1000);
  at.setSeconds(0, 0);
  at.setMinutes(at.getMinutes() + 1);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

for (const [label, viewport] of [
  ['phone', { width: 390, height: 844 }],
  ['desktop', { width: 1280, height: 800 }],
] as const) {
  test.describe(`reminders and scheduled messages (${label})`, () => {
    test.describe.configure({ timeout: 180_000 });

    test('a reminder is set, listed, cancelled, and a due one arrives from remind', async ({ people }) => {
      const ada = await people.open('ada');
      await ada.register();
      await ada.joinRoom(unique('sched'));
      await ada.page.setViewportSize(viewport); // joined from the sidebar, which a phone hides
      await ada.type('/remind me in 1h water the plants');
      const panel = ada.page.getByRole('region', { name: 'Your reminders' });
      await expect(panel.getByTestId('reminder')).toContainText('water the plants');
      await panel.getByRole('button', { name: 'Cancel reminder: water the plants' }).click();
      await expect(panel).toContainText('No reminders');

      await ada.type('/remind me in 5s stand up');
      await expect(panel.getByTestId('reminder')).toContainText('stand up');
      await expect(ada.page.getByText('⏰ Reminder: stand up').first()).toBeVisible({ timeout: 30_000 });
      await expect(panel).toContainText('No reminders');
      expect(ada.framesOfType('reminder')).toMatchObject([{ type: 'reminder', text: 'stand up', room: null }]);
      await expect.poll(() => ada.framesOfType('private').some((f) => f.from === 'remind')).toBe(true);

      // A command it cannot read says how, and sets nothing.
      await ada.type('/remind me whenever');
      await expect(ada.page.getByText(/say when/).first()).toBeVisible();
    });

    test('a message scheduled for later can be edited and cancelled, and goes out as you when due', async ({ people }) => {
      const room = unique('sched');
      const ada = await people.open('ada');
      const bob = await people.open('bob');
      await ada.register();
      await bob.register();
      await ada.joinRoom(room);
      await bob.joinRoom(room);
      await ada.page.setViewportSize(viewport); // joined from the sidebar, which a phone hides

      // A preset: in an hour. It is listed above the messages; edit its text, then cancel it.
      const box = ada.page.getByRole('textbox', { name: 'Message', exact: true });
      await box.fill('see you at the meeting');
      await ada.page.getByRole('button', { name: 'Send later', exact: true }).click();
      await ada.page.getByRole('button', { name: 'In 1 hour' }).click();
      await expect(box).toHaveValue('');
      const strip = ada.page.getByRole('region', { name: `Scheduled messages in #${room}` });
      await expect(strip.getByTestId('scheduled-message')).toContainText('see you at the meeting');
      await strip.getByRole('button', { name: 'Edit' }).click();
      await strip.getByRole('textbox', { name: 'Scheduled message text' }).fill('see you at the retro');
      await strip.getByRole('button', { name: 'Save' }).click();
      await expect(strip.getByTestId('scheduled-message')).toContainText('see you at the retro');
      await strip.getByRole('button', { name: 'Cancel scheduled message: see you at the retro' }).click();
      await expect(strip).toHaveCount(0);

      // A time of its own, the next minute: it is posted as ada, and bob sees it.
      await box.fill('good morning from the past');
      await ada.page.getByRole('button', { name: 'Send later', exact: true }).click();
      await ada.page.getByRole('group', { name: 'Send later' }).getByLabel('Send at').fill(nextMinute(5));
      await ada.page.getByRole('button', { name: 'Schedule' }).click();
      await expect(strip.getByTestId('scheduled-message')).toContainText('good morning from the past');
      const arrived = bob.messages().filter({ hasText: 'good morning from the past' });
      await expect(arrived).toBeVisible({ timeout: 100_000 });
      await expect(arrived).toContainText(ada.name);
      await expect(strip).toHaveCount(0);
    });
  });
}
