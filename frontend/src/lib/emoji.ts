/**
 * Emoji shortcodes (`:tada:` → 🎉): the names people type most, as GitHub and Slack spell
 * them. A compact table instead of the full gemoji list keeps the bundle small; an unknown
 * name stays as typed.
 */
const EMOJI: Record<string, string> = {
  '+1': '👍', '-1': '👎', thumbsup: '👍', thumbsdown: '👎', ok_hand: '👌', clap: '👏', wave: '👋', pray: '🙏',
  raised_hands: '🙌', muscle: '💪', point_up: '☝️', point_right: '👉', v: '✌️', handshake: '🤝', eyes: '👀',
  smile: '😄', smiley: '😃', grin: '😁', grinning: '😀', laughing: '😆', joy: '😂', rofl: '🤣', sweat_smile: '😅',
  wink: '😉', blush: '😊', innocent: '😇', slightly_smiling_face: '🙂', upside_down_face: '🙃', heart_eyes: '😍',
  kissing_heart: '😘', yum: '😋', stuck_out_tongue: '😛', sunglasses: '😎', nerd_face: '🤓', thinking: '🤔',
  neutral_face: '😐', expressionless: '😑', no_mouth: '😶', smirk: '😏', unamused: '😒', roll_eyes: '🙄',
  grimacing: '😬', relieved: '😌', pensive: '😔', sleepy: '😪', sleeping: '😴', mask: '😷', dizzy_face: '😵',
  exploding_head: '🤯', cowboy_hat_face: '🤠', partying_face: '🥳', confused: '😕', worried: '😟',
  slightly_frowning_face: '🙁', open_mouth: '😮', hushed: '😯', astonished: '😲', flushed: '😳', pleading_face: '🥺',
  cry: '😢', sob: '😭', scream: '😱', angry: '😠', rage: '😡', skull: '💀', poop: '💩', clown_face: '🤡',
  ghost: '👻', alien: '👽', robot: '🤖', smile_cat: '😸', see_no_evil: '🙈', heart: '❤️', orange_heart: '🧡',
  yellow_heart: '💛', green_heart: '💚', blue_heart: '💙', purple_heart: '💜', black_heart: '🖤', broken_heart: '💔',
  sparkling_heart: '💖', '100': '💯', boom: '💥', fire: '🔥', sparkles: '✨', star: '⭐', star2: '🌟', zap: '⚡',
  tada: '🎉', confetti_ball: '🎊', balloon: '🎈', gift: '🎁', trophy: '🏆', medal_sports: '🏅', rocket: '🚀',
  bulb: '💡', bug: '🐛', wrench: '🔧', hammer: '🔨', gear: '⚙️', lock: '🔒', key: '🔑', link: '🔗', pushpin: '📌',
  memo: '📝', book: '📖', calendar: '📆', chart_with_upwards_trend: '📈', chart_with_downwards_trend: '📉',
  hourglass: '⌛', alarm_clock: '⏰', bell: '🔔', mega: '📣', speech_balloon: '💬', email: '📧', package: '📦',
  computer: '💻', iphone: '📱', white_check_mark: '✅', heavy_check_mark: '✔️', ballot_box_with_check: '☑️',
  x: '❌', warning: '⚠️', no_entry: '⛔', question: '❓', exclamation: '❗', construction: '🚧', rotating_light: '🚨',
  coffee: '☕', tea: '🍵', beer: '🍺', beers: '🍻', pizza: '🍕', cake: '🍰', birthday: '🎂', cookie: '🍪',
  sun_with_face: '🌞', sunny: '☀️', cloud: '☁️', umbrella: '☔', snowflake: '❄️', rainbow: '🌈', earth_africa: '🌍',
  dog: '🐶', cat: '🐱', unicorn: '🦄', penguin: '🐧', snake: '🐍', crab: '🦀', shipit: '🚢',
  ship: '🚢', checkered_flag: '🏁', dart: '🎯', game_die: '🎲', musical_note: '🎵', art: '🎨', moneybag: '💰',
};

/** A shortcode: `:` + name + `:`, names as in the table (letters, digits, `_`, `+`, `-`). */
const SHORTCODE = /:([a-z0-9_+-]+):/g;

/** The emoji for a name (without colons), or undefined. */
export function emojiFor(name: string): string | undefined {
  return Object.hasOwn(EMOJI, name) ? EMOJI[name] : undefined;
}

/** Replaces every known `:name:` in `text` by its emoji. */
export function replaceShortcodes(text: string): string {
  return text.replace(SHORTCODE, (code, name: string) => emojiFor(name) ?? code);
}

/** The reactions the picker offers first, by shortcode name. */
export const COMMON_REACTIONS: readonly string[] = [
  '+1', '-1', 'heart', 'joy', 'open_mouth', 'cry', 'tada', 'fire', 'eyes', 'pray', 'clap', 'white_check_mark',
  'x', 'rocket', '100', 'thinking', 'smile', 'heart_eyes', 'sunglasses', 'raised_hands', 'bulb', 'star', 'bug', 'coffee',
];

export interface EmojiEntry {
  name: string;
  emoji: string;
}

/**
 * Emoji whose name contains `query` (case and `:` ignored), each emoji once, names that start
 * with it first; an empty query gives the common reactions.
 */
export function searchEmoji(query: string, limit = 48): EmojiEntry[] {
  const q = query.trim().toLowerCase().replaceAll(':', '').replaceAll(' ', '_');
  const names = q === '' ? COMMON_REACTIONS : Object.keys(EMOJI).filter((name) => name.includes(q));
  const rank = (name: string) => (name === q ? 0 : name.startsWith(q) ? 1 : 2);
  const ordered = q === '' ? names : [...names].sort((a, b) => rank(a) - rank(b));
  const seen = new Set<string>();
  const found: EmojiEntry[] = [];
  for (const name of ordered) {
    const emoji = emojiFor(name);
    if (emoji === undefined || seen.has(emoji)) continue;
    seen.add(emoji);
    found.push({ name, emoji });
    if (found.length >= limit) break;
  }
  return found;
}
