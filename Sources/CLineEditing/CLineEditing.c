// The only file of capas that touches libedit's globals, the locale and the
// SIGINT disposition. See include/CLineEditing.h for the contract.
#include "CLineEditing.h"

#include <editline/readline.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <wchar.h>
#include <unistd.h>

// MARK: - Wake-up pipe

// The signal handlers below write one byte here, and the key reader waits on
// it beside standard input. Whichever thread the kernel picks to run a
// handler (SIGINT and SIGWINCH are sent to the whole process), the waiting
// reader wakes up: a flag alone is missed when the signal lands just before
// the reader goes to sleep, or on another thread. Both ends are non-blocking:
// a full pipe only drops wake-ups that are pending anyway.
static int wake_pipe[2] = {-1, -1};
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;

static void create_wake_pipe_once(void) {
    if (pipe(wake_pipe) != 0) {
        wake_pipe[0] = wake_pipe[1] = -1;  // the reader then waits on stdin alone
        return;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
    }
}

/// Async-signal-safe: called from the handlers.
static void wake_reader(void) {
    int saved = errno;
    if (wake_pipe[1] >= 0) {
        char byte = 1;
        ssize_t ignored = write(wake_pipe[1], &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

static void drain_wake_pipe(void) {
    char bytes[64];
    while (wake_pipe[0] >= 0 && read(wake_pipe[0], bytes, sizeof bytes) > 0) {}
}

// MARK: - Interrupt flag

// One definition for the whole process: a flag in a module-map header would
// be duplicated per Swift file in debug builds.
static volatile sig_atomic_t interrupt_flag = 0;
static pthread_once_t interrupt_once = PTHREAD_ONCE_INIT;

static void on_interrupt(int signo) {
    (void)signo;
    interrupt_flag = 1;
    wake_reader();
}

static void install_interrupt_handler_once(void) {
    pthread_once(&wake_once, create_wake_pipe_once);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a blocked read(2) elsewhere (PlainLineReader, a long
    // computation's I/O) must return EINTR at the first Ctrl-C. libedit saves
    // this handler while it reads and re-raises the signal to it, so the flag
    // is set and the key reader woken in both states.
    action.sa_flags = 0;
    sigaction(SIGINT, &action, NULL);
}

void cle_install_interrupt_handler(void) {
    pthread_once(&interrupt_once, install_interrupt_handler_once);
}

int cle_interrupt_requested(void) { return interrupt_flag != 0; }

// MARK: - Window size changes

// Counts SIGWINCH. libedit saves this handler while it reads and re-raises
// the signal to it after resizing itself, so the count grows in both states.
static volatile sig_atomic_t window_changes = 0;
static pthread_once_t window_once = PTHREAD_ONCE_INIT;

static void on_window_change(int signo) {
    (void)signo;
    window_changes++;
    wake_reader();
}

static void install_window_handler_once(void) {
    pthread_once(&wake_once, create_wake_pipe_once);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_window_change;
    sigemptyset(&action.sa_mask);
    // Outside libedit a resize must not interrupt anything (training, I/O).
    action.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &action, NULL);
}

int cle_window_changes(void) {
    pthread_once(&window_once, install_window_handler_once);
    return window_changes;
}

void cle_clear_interrupt(void) { interrupt_flag = 0; }

// MARK: - Suspend and resume (Ctrl-Z, fg)

// libedit handles SIGTSTP and SIGCONT once per line: its handlers are
// one-shot, only its own key reader (which `read_key` replaces) re-arms them,
// and only that reader redraws after a SIGCONT. So a second Ctrl-Z on a line
// stopped the process in raw mode, and `fg` left a blank line. While a line
// is read these handlers take over from libedit's: they only note the signal
// and wake the key reader, which does the work outside the handler.
static volatile sig_atomic_t suspend_requested = 0;
/// A SIGCONT that the key reader did not stop for itself (SIGSTOP, or a
/// shell's `bg`): the terminal may have been changed meanwhile.
static volatile sig_atomic_t continue_pending = 0;
/// Set while the key reader stops itself: the SIGCONT that ends the stop is
/// handled where it stopped, not again as `continue_pending`.
static volatile sig_atomic_t stopping_ourselves = 0;
/// The dispositions before `cle_read_line`, put back when it returns.
static struct sigaction saved_suspend_action, saved_continue_action;
/// Whether the key reader has installed the handlers over libedit's on this line.
static int job_signals_taken = 0;

static void on_suspend(int signo) {
    (void)signo;
    suspend_requested = 1;
    wake_reader();
}

static void on_continue(int signo) {
    (void)signo;
    if (stopping_ourselves) {
        stopping_ourselves = 0;
    } else {
        continue_pending = 1;
    }
    wake_reader();
}

/// Installs `on_suspend` (unless SIGTSTP was ignored before the line, as
/// under a shell without job control) and `on_continue`.
static void take_job_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // libedit's writes go on; poll(2) still wakes up
    if (saved_suspend_action.sa_handler != SIG_IGN) {
        action.sa_handler = on_suspend;
        sigaction(SIGTSTP, &action, NULL);
    }
    action.sa_handler = on_continue;
    sigaction(SIGCONT, &action, NULL);
}

static FILE *output_stream(void) { return rl_outstream != NULL ? rl_outstream : stdout; }

/// Takes the terminal in raw mode again (reading its settings anew: the
/// shell may have changed them meanwhile) and draws the prompt and the line
/// from the start of the cursor's row. After `fg` the cursor is at the start
/// of a fresh line; after a bare SIGSTOP and SIGCONT the line is drawn over
/// itself.
static void resume_editing(void) {
    rl_deprep_terminal();
    rl_prep_terminal(1);
    fputs("\r", output_stream());
    rl_forced_update_display();  // libedit forgets what it drew and draws it all
}

/// Ctrl-Z while a line is read: gives the terminal back in the mode it had
/// before the prompt, stops as SIGTSTP's default does, and after `fg`
/// (SIGCONT) takes up the line again. The kernel does not stop a process
/// group that no shell could resume (an orphaned one): then this only
/// redraws the line.
static void suspend_now(void) {
    suspend_requested = 0;
    rl_deprep_terminal();
    fflush(output_stream());
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    sigaction(SIGTSTP, &default_action, NULL);
    sigset_t suspend_only, previous_mask;
    sigemptyset(&suspend_only);
    sigaddset(&suspend_only, SIGTSTP);
    pthread_sigmask(SIG_UNBLOCK, &suspend_only, &previous_mask);
    stopping_ourselves = 1;
    raise(SIGTSTP);  // the process stops here until SIGCONT
    pthread_sigmask(SIG_SETMASK, &previous_mask, NULL);
    take_job_signals();
    resume_editing();
}

// MARK: - Initialisation

static pthread_once_t initialize_once = PTHREAD_ONCE_INIT;
static cle_completion_callback completion_callback = NULL;
static cle_listing_callback listing_callback = NULL;

static char **attempted_completion(const char *word, int start, int end);
static int reverse_search(int count, int key);
static int read_key(FILE *stream);

static int locale_is_utf8(void) {
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

static void initialize_once_body(void) {
    // Without a UTF-8 LC_CTYPE, libedit silently drops non-ASCII input
    // ("año" reads as "ao"). Swift strings are UTF-8, so insist on it.
    setlocale(LC_CTYPE, "");
    if (!locale_is_utf8()) {
        if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) setlocale(LC_CTYPE, "C.utf8");
    }
    rl_readline_name = "capas";  // `capas:` lines in ~/.editrc apply to us
    rl_getc_function = read_key;  // read only at rl_initialize
    rl_initialize();
    using_history();
    // Words end only at white space, so `stride=` or `:load` are one word;
    // the Swift completer decides its own word start anyway.
    rl_basic_word_break_characters = " \t\n";
    rl_completer_word_break_characters = (char *)" \t\n";
    rl_attempted_completion_function = attempted_completion;
    // Ctrl-R: bash's and IPython's `(reverse-i-search)` instead of libedit's bare `bck:`.
    rl_add_defun("capas-reverse-search", reverse_search, 18);
}

void cle_initialize(void) {
    pthread_once(&initialize_once, initialize_once_body);
}

// MARK: - Completion

void cle_set_completion(cle_completion_callback callback) {
    cle_initialize();
    completion_callback = callback;
}

void cle_set_listing(cle_listing_callback callback) {
    cle_initialize();
    listing_callback = callback;
}

/// Shows the candidates as laid out by the listing callback under the line,
/// then draws the prompt and the line again below them, as libedit does
/// after its own list. Returns 0 if there is no callback or nothing to show.
static int show_listing(char *const *candidates, size_t count) {
    if (listing_callback == NULL) return 0;
    int columns = cle_terminal_columns(STDOUT_FILENO);
    char *text = listing_callback(candidates, (int)count, columns > 0 ? columns : 80);
    if (text == NULL) return 0;
    FILE *out = rl_outstream != NULL ? rl_outstream : stdout;
    fputs("\n", out);
    fputs(text, out);
    fflush(out);
    free(text);
    // libedit believes the cursor is still on the edited line: forget what
    // it drew there and draw prompt and line from scratch where we are now.
    rl_forced_update_display();
    return 1;
}

/// Length of the longest common prefix of the NULL-terminated `strings`,
/// shortened so that it never ends inside a UTF-8 sequence.
static size_t common_prefix_length(char *const *strings) {
    size_t length = strlen(strings[0]);
    for (size_t i = 1; strings[i] != NULL; i++) {
        size_t j = 0;
        while (j < length && strings[i][j] == strings[0][j]) j++;
        length = j;
    }
    while (length > 0 && ((unsigned char)strings[0][length] & 0xC0) == 0x80) length--;
    return length;
}

// libedit's protocol (GNU readline's): matches[0] replaces the word, and
// matches[1...] are listed on a second Tab; a single match is matches[0]
// alone. Returning NULL with rl_attempted_completion_over set means "no
// completions" instead of falling back to file names.
static char **attempted_completion(const char *word, int start, int end) {
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1;
    rl_completion_append_character = ' ';
    if (completion_callback == NULL || rl_line_buffer == NULL) return NULL;

    size_t line_length = strlen(rl_line_buffer);
    size_t point = rl_point < 0 ? 0 : (size_t)rl_point;
    if (point > line_length) point = line_length;
    char *before = strndup(rl_line_buffer, point);
    if (before == NULL) return NULL;
    char **candidates = completion_callback(before, word);
    free(before);
    if (candidates == NULL) return NULL;

    size_t count = 0;
    while (candidates[count] != NULL) count++;
    if (count == 0) {
        free(candidates);
        return NULL;
    }
    // Two spare slots: libedit peeks at matches[2] even for a single match.
    char **matches = calloc(count + 3, sizeof(char *));
    if (matches == NULL) {
        for (size_t i = 0; i < count; i++) free(candidates[i]);
        free(candidates);
        return NULL;
    }
    if (count == 1) {
        matches[0] = candidates[0];
        // No space after a word that expects more: `stride=`, a folder.
        size_t n = strlen(candidates[0]);
        if (n > 0 && (candidates[0][n - 1] == '=' || candidates[0][n - 1] == '/')) {
            rl_completion_append_character = '\0';
        }
    } else if (rl_completion_type == '?' && show_listing(candidates, count)) {
        // A second Tab (libedit's '?'): the list is on the screen already;
        // returning no matches keeps libedit from listing them again by bytes.
        for (size_t i = 0; i < count; i++) free(candidates[i]);
        free(candidates);
        free(matches);
        return NULL;
    } else {
        size_t prefix = common_prefix_length(candidates);
        // Never let a shorter common prefix delete what was typed.
        if (prefix < strlen(word) || strncmp(candidates[0], word, strlen(word)) != 0) {
            matches[0] = strdup(word);
        } else {
            matches[0] = strndup(candidates[0], prefix);
        }
        for (size_t i = 0; i < count; i++) matches[i + 1] = candidates[i];
    }
    free(candidates);
    if (matches[0] == NULL) {
        for (size_t i = 1; matches[i] != NULL; i++) free(matches[i]);
        free(matches);
        return NULL;
    }
    return matches;
}

// MARK: - Reverse search

/// The prompt of the line being read, to put back after a search.
static char *current_prompt = NULL;


/// The newest history entry at or before `from` that contains `query`, or -1.
static int search_history(const char *query, int from) {
    for (int i = from; i >= 0; i--) {
        HIST_ENTRY *entry = history_get(history_base + i);
        if (entry != NULL && entry->line != NULL && strstr(entry->line, query) != NULL) return i;
    }
    return -1;
}

/// Replaces the line being edited. libedit's rl_replace_line ignores "",
/// so an empty line is shown as one space (the caller then pushes Ctrl-U).
static void set_line(const char *text) {
    rl_replace_line(*text != '\0' ? text : " ", 0);
}

/// Draws `(reverse-i-search)`query': match` as libedit's own prompt and
/// line, so libedit keeps track of the cursor and of wrapped lines.
static void show_search(const char *query, const char *match, int failed) {
    size_t size = strlen(query) + 40;
    char *prompt = malloc(size);
    if (prompt == NULL) return;
    snprintf(prompt, size, "(%sreverse-i-search)`%s': ", failed ? "failed " : "", query);
    rl_set_prompt(prompt);
    free(prompt);
    set_line(match);
    rl_forced_update_display();
}

/// Incremental reverse search, as bash does it: typed text narrows the
/// search, Ctrl-R finds an older match, Backspace widens it again, Enter runs
/// the match, Esc or any other key keeps it for editing (the key then does
/// its usual job), Ctrl-G or Ctrl-C puts back the line as it was.
static int reverse_search(int count, int key) {
    (void)count;
    (void)key;
    char *original = strdup(rl_line_buffer != NULL ? rl_line_buffer : "");
    if (original == NULL) return 0;
    char query[256] = "";
    size_t length = 0;
    int found = history_length - 1;
    int failed = 0;
    const char *match = original;
    // Ctrl-C while searching is a key (cancel the search), not SIGINT.
    struct termios saved, quiet;
    int have_termios = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (have_termios) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ISIG;
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    show_search(query, match, 0);
    int stuff = -1, accept = 0, cancel = 0;
    for (;;) {
        unsigned char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { cancel = 1; break; }
        if (c == '\r' || c == '\n') { accept = 1; break; }
        if (c == 7 || c == 3) { cancel = 1; break; }  // Ctrl-G, Ctrl-C
        if (c == 18) {  // Ctrl-R: an older match
            int older = length > 0 && found > 0 ? search_history(query, found - 1) : -1;
            if (older >= 0) { found = older; failed = 0; } else if (length > 0) { failed = 1; }
        } else if (c == 127 || c == 8) {  // Backspace: one character (UTF-8) less
            while (length > 0 && ((unsigned char)query[length - 1] & 0xC0) == 0x80) length--;
            if (length > 0) length--;
            query[length] = '\0';
            found = length > 0 ? search_history(query, history_length - 1) : history_length - 1;
            failed = length > 0 && found < 0;
            if (found < 0) found = history_length - 1;
        } else if (c >= 32 || c >= 0x80) {
            if (length + 1 < sizeof query) {
                query[length++] = (char)c;
                query[length] = '\0';
                // Wait for the whole UTF-8 character before searching.
                if ((c & 0xC0) == 0x80 || c >= 0xC0) {
                    int expected = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
                    for (int k = 1; k < expected && length + 1 < sizeof query; k++) {
                        unsigned char more;
                        if (read(STDIN_FILENO, &more, 1) != 1) break;
                        query[length++] = (char)more;
                    }
                    query[length] = '\0';
                }
                int at = search_history(query, failed ? history_length - 1 : found);
                if (at >= 0) { found = at; failed = 0; } else { failed = 1; }
            }
        } else {
            if (c != 27) stuff = c;  // another control key: keep the match, then do the key's job
            break;
        }
        HIST_ENTRY *entry = (!failed && length > 0 && found >= 0) ? history_get(history_base + found) : NULL;
        match = entry != NULL && entry->line != NULL ? entry->line : (length == 0 ? original : match);
        show_search(query, match, failed);
    }
    if (have_termios) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    char *result = strdup(cancel ? original : match);
    free(original);
    rl_set_prompt(current_prompt != NULL ? current_prompt : "");
    int empty = result == NULL || *result == '\0';
    set_line(result != NULL ? result : "");
    free(result);
    rl_forced_update_display();
    // rl_insert pushes keys back into libedit's input (newest first; rl_stuff_char would insert text).
    if (accept) {
        rl_insert(1, '\n');  // Enter runs the match, as in bash
    } else if (!cancel) {
        if (stuff >= 0) rl_insert(1, stuff);  // then the key that ended the search does its job
        rl_insert(1, 5);  // Ctrl-E first: the cursor goes after the match
    } else {
        rl_insert(1, 5);
    }
    if (empty) rl_insert(1, 21);  // Ctrl-U first: an empty line has no place-holding space
    return 0;
}

// MARK: - Reading

// libedit's own key reader blocks in read(2) and only gives up when a signal
// interrupts that very call. A Ctrl-C landing anywhere else (while libedit
// echoes a key, redraws, or just before it calls read) set the flag but left
// libedit asleep until the next key. `read_key` replaces it: it checks the
// flag before every wait and waits on the wake-up pipe too, so the line is
// cancelled as soon as Ctrl-C is pressed, whatever libedit was doing.

/// Set when `read_key` gave up because of Ctrl-C (reset by `cle_read_line`).
static int read_interrupted = 0;
/// The SIGWINCH count libedit has already been told about.
static int windows_seen = 0;

/// Waits until `fd` can be read or Ctrl-C is pressed: 1 when it can be read
/// (or has reached its end or an error, which read(2) then reports), 0 on
/// Ctrl-C. Any other signal only wakes it up; a resize makes libedit measure
/// the terminal again, Ctrl-Z suspends (`suspend_now`). **The flag is
/// checked before every poll**, and a signal arriving after that check has
/// written to the wake-up pipe, which ends the poll at once: no Ctrl-C is
/// ever slept through.
static int wait_for_key(int fd) {
    if (!job_signals_taken) {
        job_signals_taken = 1;
        take_job_signals();  // over the handlers libedit installed for this line
    }
    for (;;) {
        if (interrupt_flag) return 0;
        if (suspend_requested) {
            suspend_now();
            continue;
        }
        if (continue_pending) {
            continue_pending = 0;
            resume_editing();
        }
        int changes = window_changes;
        if (changes != windows_seen) {
            // libedit resizes itself on the first SIGWINCH of a line only (its
            // handler is one-shot); later ones reach only our counter.
            windows_seen = changes;
            rl_resize_terminal();
        }
        struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = wake_pipe[0], .events = POLLIN}};
        int ready = poll(fds, wake_pipe[0] >= 0 ? 2 : 1, -1);
        if (ready < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return 1;  // cannot wait (bad descriptor, say): let read(2) report it
        }
        if (wake_pipe[0] >= 0 && fds[1].revents != 0) drain_wake_pipe();
        if (interrupt_flag) return 0;
        if (fds[0].revents != 0) return 1;
    }
}

/// libedit's key reader (readline's `rl_getc_function`): one character, as
/// its Unicode code point, or EOF at end of input, on a read error or on
/// Ctrl-C (then `read_interrupted` is set). libedit's readline layer stores
/// the int as one wide character, so the UTF-8 bytes are decoded here, as
/// libedit's own reader does: an invalid byte is dropped, and an invalid
/// sequence is dropped except its last byte, which may start a character.
static int read_key(FILE *stream) {
    int fd = fileno(stream);
    char bytes[MB_LEN_MAX];
    size_t count = 0;
    for (;;) {
        if (!wait_for_key(fd)) {
            read_interrupted = 1;
            return EOF;
        }
        ssize_t n = read(fd, bytes + count, 1);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return EOF;
        count++;
        for (;;) {
            wchar_t character;
            mbstate_t state;
            memset(&state, 0, sizeof state);
            size_t used = mbrtowc(&character, bytes, count, &state);
            if (used == (size_t)-2) {  // incomplete: read the next byte
                if (count == sizeof bytes) count = 0;
                break;
            }
            if (used == (size_t)-1) {
                if (count > 1) {
                    bytes[0] = bytes[count - 1];
                    count = 1;
                    continue;
                }
                count = 0;
                break;
            }
            return (int)character;
        }
    }
}

char *cle_read_line(const char *prompt) {
    cle_initialize();
    free(current_prompt);
    current_prompt = strdup(prompt);
    cle_install_interrupt_handler();
    fflush(stdout);
    fflush(stderr);
    windows_seen = cle_window_changes();  // readline measures the terminal as it starts
    read_interrupted = 0;
    // Ctrl-Z: ours from here, so that libedit's handlers (installed as the
    // line starts, until the first `read_key` replaces them) pass it on to us.
    sigaction(SIGTSTP, NULL, &saved_suspend_action);
    sigaction(SIGCONT, NULL, &saved_continue_action);
    suspend_requested = continue_pending = stopping_ourselves = 0;
    job_signals_taken = 0;
    take_job_signals();
    // A Ctrl-C that came before this point (after the caller's clear) is seen
    // by the first `read_key`: the prompt appears and is cancelled at once.
    char *line = readline(prompt);
    sigaction(SIGTSTP, &saved_suspend_action, NULL);
    sigaction(SIGCONT, &saved_continue_action, NULL);
    if (suspend_requested) {
        // Ctrl-Z came with the line's end: stop now, the terminal is back to normal.
        suspend_requested = 0;
        raise(SIGTSTP);
    }
    if (read_interrupted) {
        // Without a terminal libedit returns what was read before the Ctrl-C.
        free(line);
        line = NULL;
    }
    if (line == NULL && interrupt_flag) {
        // The cursor is still after the abandoned text: end that line so the
        // next prompt starts on a fresh one, as shells do.
        fputs("^C\n", stdout);
        fflush(stdout);
    } else if (line == NULL && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        fputs("\n", stdout);  // Ctrl-D: leave the shell's prompt a clean line
        fflush(stdout);
    }
    return line;
}

// MARK: - History

void cle_history_reset(int max_entries) {
    cle_initialize();
    clear_history();
    if (max_entries > 0) {
        stifle_history(max_entries);
    } else {
        unstifle_history();
    }
}

void cle_history_add(const char *entry) {
    cle_initialize();
    add_history(entry);
}

char *cle_history_newest(void) {
    cle_initialize();
    if (history_length <= 0) return NULL;
    HIST_ENTRY *entry = history_get(history_base + history_length - 1);
    return entry != NULL && entry->line != NULL ? strdup(entry->line) : NULL;
}

int cle_history_load(const char *path) {
    cle_initialize();
    return read_history(path);
}

int cle_history_save(const char *path) {
    cle_initialize();
    return write_history(path);
}

// MARK: - Terminal

int cle_terminal_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}
