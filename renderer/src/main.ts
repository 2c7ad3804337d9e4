// The renderer's entry: one Vue app, one Pinia, one LabClient chosen by what the host provides.
import './transport/zod-jitless';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createLabClient } from './transport/lab-client';
import { LAB_CLIENT_KEY } from './transport/inject';
import './styles.css';

const app = createApp(App);
app.provide(LAB_CLIENT_KEY, createLabClient());
app.use(createPinia());
app.mount('#app');
