// Vue 3: useMaestro()'s read-only ref decides whether MAESTRO's component is mounted.
import { createApp, defineComponent, h, onMounted, onUnmounted } from 'vue';
import { init } from 'maestro-gate';
import { useMaestro } from 'maestro-gate/vue';
import { counts } from './maestro.js';

const Maestro = defineComponent({
  setup() {
    onMounted(() => { counts.mounted++; });
    onUnmounted(() => { counts.unmounted++; });
    return () => h('div', { id: 'maestro' }, 'MAESTRO');
  },
});

const App = defineComponent({
  setup() {
    const maestro = useMaestro();
    return () => [
      h('p', { id: 'status' }, `${maestro.value.enabled} ${maestro.value.source}`),
      maestro.value.enabled ? h(Maestro) : h('p', { id: 'fallback' }, 'MAESTRO is off'),
    ];
  },
});

init({ env: import.meta.env }).then(() => createApp(App).mount('#app'));
