import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

import { AttachmentChips } from './attachment-chips';

describe('AttachmentChips', () => {
  it('shows each file with its size, progress or error, and removes or cancels by its button', async () => {
    const onRemove = vi.fn();
    render(
      <AttachmentChips
        onRemove={onRemove}
        items={[
          { key: 'k1', name: 'cat.png', size: 1536, status: 'uploading', progress: 0.42 },
          { key: 'k2', name: 'notes.pdf', size: 3 * 1024 * 1024, status: 'done', progress: 1, upload: { id: 'u', name: 'notes.pdf', size: 3, type: 'application/pdf' } },
          { key: 'k3', name: 'huge.iso', size: 20 * 1024 * 1024, status: 'failed', progress: 0, error: 'huge.iso is too large to send.' },
        ]}
      />,
    );
    const chips = within(screen.getByRole('list', { name: 'Files to send' })).getAllByRole('listitem');
    expect(chips.map((chip) => chip.textContent)).toEqual(['cat.png1.5 KB42%42%×', 'notes.pdf3 MB×', 'huge.iso20 MBhuge.iso is too large to send.×']);
    expect(screen.getByRole('progressbar', { name: 'Uploading cat.png' })).toHaveAttribute('value', '42');
    expect(screen.getByRole('alert')).toHaveTextContent('huge.iso is too large to send.');

    await userEvent.click(screen.getByRole('button', { name: 'Cancel upload of cat.png' }));
    await userEvent.click(screen.getByRole('button', { name: 'Remove notes.pdf' }));
    expect(onRemove.mock.calls).toEqual([['k1'], ['k2']]);
  });

  it('renders nothing without files', () => {
    const { container } = render(<AttachmentChips items={[]} onRemove={vi.fn()} />);
    expect(container).toBeEmptyDOMElement();
  });
});
