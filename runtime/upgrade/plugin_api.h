#ifndef AGENT_RUNTIME_PLUGIN_API_H
#define AGENT_RUNTIME_PLUGIN_API_H
/* The entry point of a behaviour plugin: a shared library that exports
 * `agent_runtime_plugin_v1`, returning a description of itself and its
 * hooks. Plain C, so that a plugin built by another compiler (or in another
 * language) can be loaded; the runtime copies every string it is given. */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI this header describes; a plugin reporting another is refused. */
#define AGENT_RUNTIME_PLUGIN_ABI 1u

/** The symbol the runtime looks up. */
#define AGENT_RUNTIME_PLUGIN_ENTRY "agent_runtime_plugin_v1"

/** Where a hook writes its output; `write` may be called several times. */
typedef struct agent_runtime_text_sink {
  void* context;
  void (*write)(void* context, const char* data, size_t size);
} agent_runtime_text_sink;

/** What a plugin offers. Hooks may be NULL. Hooks run on the runtime's
 * actor threads, one call per agent at a time, and must not block long. */
typedef struct agent_runtime_plugin {
  /** AGENT_RUNTIME_PLUGIN_ABI of the header the plugin was built with. */
  uint32_t abi_version;
  /** The plugin's own version, shown in status and logs. */
  const char* plugin_version;
  /** Converts an agent's state (JSON object) kept by version `from_version`
   * into this version's state, written to `out` as a JSON object whose
   * fields replace those of the old state. Returns 0, or non-zero to refuse
   * the state (then `out` says why). NULL: the state carries over as is. */
  int (*migrate)(const char* state, size_t state_size, const char* from_version,
                 agent_runtime_text_sink* out);
  /** Turns the reply the agent produced for a SendMessage (`reply`, JSON)
   * to the message `content` into the reply to send, written to `out`.
   * Returns 0, or non-zero to fail the request (then `out` says why). */
  int (*handle)(const char* agent, const char* content, size_t content_size, const char* reply,
                size_t reply_size, agent_runtime_text_sink* out);
} agent_runtime_plugin;

/** The type of the exported entry point. */
typedef const agent_runtime_plugin* (*agent_runtime_plugin_entry)(void);

#ifdef __cplusplus
}
#endif

#endif
