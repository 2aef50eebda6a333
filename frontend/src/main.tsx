import '@fontsource-variable/inter';

import { createRoot } from 'react-dom/client';

import { App } from '@/app/app';
import { AppProvider, FatalError } from '@/app/provider';
import { loadEnv } from '@/config/env';
import { applyTheme } from '@/lib/theme';

import './index.css';

applyTheme();

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');
const root = createRoot(container);

try {
  const env = loadEnv();
  root.render(
    <AppProvider>
      <App env={env} />
    </AppProvider>,
  );
} catch (error) {
  root.render(<FatalError title="Parley is misconfigured" detail={error instanceof Error ? error.message : String(error)} />);
}
