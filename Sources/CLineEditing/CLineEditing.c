// The only file of capas that touches libedit's globals, the locale and the
// SIGINT disposition. See include/CLineEditing.h for the contract.
#include "CLineEditing.h"

#include <editline/readline.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

// MARK: - Interrupt flag

// One definition for the whole process: a flag in a module-map header would
// be duplicated per Swift file in debug builds.
static volatile sig_atomic_t interrupt_flag = 0;
static pthread_once_t interrupt_once = PTHREAD_ONCE_INIT;

static void on_interrupt(int signo) {
    (void)signo;
    interrupt_flag = 1;
}

static void install_interrupt_handler_once(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a blocked read(2) must return EINTR so that readline
    // returns at the first Ctrl-C. libedit saves this handler while it reads
    // and re-raises the signal to it, so the flag is set in both states.
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
}

static void install_window_handler_once(void) {
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

// MARK: - Initialisation

static pthread_once_t initialize_once = PTHREAD_ONCE_INIT;
static cle_completion_callback completion_callback = NULL;

static char **attempted_completion(const char *word, int start, int end);

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
    rl_initialize();
    using_history();
    // Words end only at white space, so `stride=` or `:load` are one word;
    // the Swift completer decides its own word start anyway.
    rl_basic_word_break_characters = " \t\n";
    rl_completer_word_break_characters = (char *)" \t\n";
    rl_attempted_completion_function = attempted_completion;
}

void cle_initialize(void) {
    pthread_once(&initialize_once, initialize_once_body);
}

// MARK: - Completion

void cle_set_completion(cle_completion_callback callback) {
    cle_initialize();
    completion_callback = callback;
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

// MARK: - Reading

char *cle_read_line(const char *prompt) {
    cle_initialize();
    cle_install_interrupt_handler();
    fflush(stdout);
    fflush(stderr);
    int changes_before = cle_window_changes();
    char *line = NULL;
    // A Ctrl-C between the caller's clear and libedit's own handlers would
    // otherwise wait for the next key.
    while (!interrupt_flag) {
        errno = 0;
        line = readline(prompt);
        // Another signal without SA_RESTART (SIGCHLD, say) is not the end of
        // the input: read again. **After a resize errno is a stale EINTR**:
        // libedit reads on after SIGWINCH, so a NULL then is Ctrl-D's.
        if (line != NULL || interrupt_flag || errno != EINTR) break;
        if (window_changes != changes_before) break;
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
