// The libedit boundary of capas. Everything that touches libedit's C globals,
// the locale or signal dispositions lives behind these few functions, so the
// Swift side never sees a mutable C global.
#ifndef CAPAS_CLINEEDITING_H
#define CAPAS_CLINEEDITING_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Called on Tab. `lineBeforeCursor` is the line up to the cursor (UTF-8) and
/// `word` the suffix of it that libedit will replace. Returns a malloc'ed,
/// NULL-terminated array of malloc'ed replacements for `word`, or NULL.
typedef char *_Nullable *_Nullable (*cle_completion_callback)(
    const char *_Nonnull lineBeforeCursor, const char *_Nonnull word);

/// Called on a second Tab when there are several candidates, to lay them
/// out for a terminal `columns` wide. Returns a malloc'ed text of whole lines
/// (each ending in a newline), or NULL to show nothing.
typedef char *_Nullable (*cle_listing_callback)(
    char *_Nullable const *_Nonnull candidates, int count, int columns);

/// Sets LC_CTYPE from the environment and, when that is not a UTF-8 locale,
/// falls back to C.UTF-8 (**without a UTF-8 LC_CTYPE libedit drops non-ASCII
/// input**). Initialises libedit and its history. Idempotent.
void cle_initialize(void);

/// Installs (or, with NULL, removes) the Tab completion callback.
void cle_set_completion(cle_completion_callback _Nullable callback);

/// Installs (or, with NULL, removes) the callback that lays out the list of
/// candidates shown on a second Tab. Without one, libedit lists them itself
/// (padding by bytes, so names with ñ or 东 are misaligned).
void cle_set_listing(cle_listing_callback _Nullable callback);

/// Reads one line with editing. Returns a malloc'ed UTF-8 string without its
/// newline, or NULL at end of input or when interrupted (check
/// `cle_interrupt_requested`). Installs the SIGINT flag handler if needed.
/// **A Ctrl-C cancels the line at once**, whatever libedit is doing when it
/// arrives (echoing, redrawing, waiting for a key): `^C` and a newline are
/// printed and NULL returned without waiting for another key. Other signals
/// (SIGCHLD, SIGWINCH) do not end the read. **Ctrl-Z suspends, any number of
/// times on one line**: the terminal gets its normal mode back before the
/// process stops, and after `fg` the prompt and the line are drawn again.
char *_Nullable cle_read_line(const char *_Nonnull prompt);

/// Empties the in-memory history and keeps at most `maxEntries` in it.
void cle_history_reset(int maxEntries);
/// Appends one entry to the in-memory history.
void cle_history_add(const char *_Nonnull entry);
/// The newest history entry (malloc'ed), or NULL if there is none.
char *_Nullable cle_history_newest(void);
/// Loads a history file written by `cle_history_save`. Returns 0 on success.
int cle_history_load(const char *_Nonnull path);
/// Writes the whole in-memory history (already limited by
/// `cle_history_reset`) with libedit's header. Returns 0 on success.
/// **`history_truncate_file` is not used: it drops the header, after which
/// `read_history` fails.**
int cle_history_save(const char *_Nonnull path);

/// Installs a SIGINT handler that sets a flag and wakes `cle_read_line` (no
/// SA_RESTART, so a blocked read elsewhere returns EINTR). Idempotent.
void cle_install_interrupt_handler(void);
/// Whether SIGINT arrived since the last `cle_clear_interrupt`.
int cle_interrupt_requested(void);
void cle_clear_interrupt(void);

/// How many SIGWINCH (terminal resizes) arrived so far. The first call
/// installs a counting handler (with SA_RESTART). `cle_read_line` calls it.
int cle_window_changes(void);

/// The width of the terminal on `fd`, or 0 if it is not a terminal.
int cle_terminal_columns(int fd);

#ifdef __cplusplus
}
#endif

#endif
