import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { HighlightedText } from './highlighted-text';

describe('HighlightedText', () => {
  it('marks the matched segments and renders every segment as text, never as HTML', () => {
    const { container } = render(
      <p>
        <HighlightedText
          segments={[
            { text: '…before <b>bold</b> ', match: false },
            { text: 'Zebra', match: true },
            { text: ' <img src=x onerror=alert(1)> after', match: false },
          ]}
        />
      </p>,
    );
    const marks = container.querySelectorAll('mark');
    expect([...marks].map((m) => m.textContent)).toEqual(['Zebra']);
    expect(container.querySelector('b')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toBe('…before <b>bold</b> Zebra <img src=x onerror=alert(1)> after');
  });
});
