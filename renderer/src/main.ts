// The renderer's entry: one Vue app, one Pinia, one LabClient chosen by what the host provides.
import './transport/zod-jitless';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createLabClient } from './transport/lab-client';
import { LAB_CLIENT_KEY } from './transport/inject';
import { createSwitchableClient } from './replay/switch-client';
import { REPLAY_SWITCH_KEY } from './replay/inject';
import './styles.css';

const app = createApp(App);
// Stores hold the switch: live events normally, a recording's frames in replay mode.
const client = createSwitchableClient(createLabClient());
app.provide(LAB_CLIENT_KEY, client);
app.provide(REPLAY_SWITCH_KEY, client);
app.use(createPinia());
app.mount('#app');
