interface TypingIndicatorProps {
  users: string[];
}

function typingText(users: string[]): string {
  const [first, second] = users;
  if (first === undefined) return '';
  if (second === undefined) return `${first} is typing…`;
  if (users.length === 2) return `${first} and ${second} are typing…`;
  return `${users.length} people are typing…`;
}

export function TypingIndicator({ users }: TypingIndicatorProps) {
  const text = typingText(users);
  return (
    <p aria-live="polite" className="italic">
      {text}
    </p>
  );
}
