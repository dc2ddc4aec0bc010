// The UserData parser: lines → words (quotes honoured, expansion refused) → the subset's commands.
#include "instance/userdata_script.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

namespace vpclab::instance {

namespace {

struct Token {
    enum class Kind { word, and_then, pipe, write, append, heredoc, open_group, close_group } kind;
    std::string text;
    bool quoted = false;  // a word with quotes in it ('EOF' as a here-document marker turns expansion off)
};

struct Refusal {
    std::string why;
};

// Splits one line into words and operators. Quotes make one word; nothing is expanded: a $, a backtick or
// a glob makes the line one the parser will not read (it would mean something only a shell knows).
std::optional<std::vector<Token>> tokenize(std::string_view line, std::string& why) {
    std::vector<Token> out;
    std::size_t i = 0;
    auto word_char_ok = [&](char c) {
        if (c == '$' || c == '`') {
            why = "uses shell expansion ($ or `)";
            return false;
        }
        return true;
    };
    while (i < line.size()) {
        const char c = line[i];
        if (c == ' ' || c == '\t') {
            ++i;
            continue;
        }
        if (c == '#') break;  // a comment to the end of the line
        if (line.substr(i, 2) == "&&") {
            out.push_back({Token::Kind::and_then, "&&"});
            i += 2;
            continue;
        }
        if (line.substr(i, 2) == ">>") {
            out.push_back({Token::Kind::append, ">>"});
            i += 2;
            continue;
        }
        if (line.substr(i, 2) == "<<") {
            out.push_back({Token::Kind::heredoc, "<<"});
            i += 2;
            continue;
        }
        if (c == '>') {
            out.push_back({Token::Kind::write, ">"});
            ++i;
            continue;
        }
        if (c == '|') {
            if (line.substr(i, 2) == "||") {
                why = "uses || (a shell's control flow)";
                return std::nullopt;
            }
            out.push_back({Token::Kind::pipe, "|"});
            ++i;
            continue;
        }
        if (c == '(' || c == ')') {
            out.push_back({c == '(' ? Token::Kind::open_group : Token::Kind::close_group, std::string(1, c)});
            ++i;
            continue;
        }
        if (c == ';' || c == '&' || c == '<' || c == '{' || c == '}') {
            why = std::string("uses '") + c + "' (a shell's control flow or redirection)";
            return std::nullopt;
        }
        std::string word;
        bool quoted = false;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '|' && line[i] != '&' && line[i] != '>' &&
               line[i] != '<' && line[i] != ';' && line[i] != '(' && line[i] != ')') {
            const char q = line[i];
            if (q == '\'') {  // single quotes: everything literal up to the next '
                const auto close = line.find(q, i + 1);
                if (close == std::string_view::npos) {
                    why = "has an unterminated quote (vpclab reads one line at a time)";
                    return std::nullopt;
                }
                word.append(line.substr(i + 1, close - i - 1));
                i = close + 1;
                quoted = true;
                continue;
            }
            if (q == '"') {
                // Double quotes: a backslash escapes only $ ` " \ (bash), so scan pairs, not for the next ".
                std::size_t k = i + 1;
                for (; k < line.size() && line[k] != '"'; ++k) {
                    if (!word_char_ok(line[k])) return std::nullopt;
                    if (line[k] == '\\' && k + 1 < line.size() && std::strchr("$`\"\\", line[k + 1])) ++k;
                    word += line[k];
                }
                if (k >= line.size()) {
                    why = "has an unterminated quote (vpclab reads one line at a time)";
                    return std::nullopt;
                }
                i = k + 1;
                quoted = true;
                continue;
            }
            if (!word_char_ok(q)) return std::nullopt;
            if (q == '*' || q == '?' || q == '[' || q == '~' || q == '{' || q == '}') {
                why = std::string("uses '") + q + "' (a shell's pattern, brace or home expansion)";
                return std::nullopt;
            }
            if (q == '\\') {
                if (i + 1 >= line.size()) {
                    why = "continues on the next line (\\): vpclab reads one line at a time";
                    return std::nullopt;
                }
                ++i;
            }
            word += line[i++];
        }
        // "2>" and "1>": a file descriptor number before a redirection, which echo's words would swallow.
        if (!quoted && !word.empty() && word.find_first_not_of("0123456789") == std::string::npos && i < line.size() &&
            (line[i] == '>' || line[i] == '<')) {
            why = "redirects a numbered file descriptor (" + word + line[i] + ")";
            return std::nullopt;
        }
        out.push_back({Token::Kind::word, std::move(word), quoted});
    }
    return out;
}

bool is_word(const std::vector<Token>& t, std::size_t i) { return i < t.size() && t[i].kind == Token::Kind::word; }

// Paths an instance has of its own (the rest of its view is the host's). A path with ., .. or // in it is
// refused rather than resolved. Files may be written in these directories, or be one of these files;
// directories may be made in these directories.
bool clean_absolute(const std::string& path) {
    if (path.empty() || path[0] != '/' || path.find("//") != std::string::npos) return false;
    std::size_t at = 1;
    while (at <= path.size()) {
        const auto end = path.find('/', at);
        const std::string part = path.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (part == "." || part == "..") return false;
        if (end == std::string::npos) break;
        at = end + 1;
    }
    return path.back() != '/';
}

bool inside_instance_directory(const std::string& path) {
    for (const char* prefix : {"/var/www/html/", "/tmp/", "/root/", "/home/"})
        if (path.rfind(prefix, 0) == 0 && path.size() > std::string(prefix).size()) return true;
    return false;
}

bool instance_file(const std::string& path) {
    if (!clean_absolute(path)) return false;
    for (const char* file : {"/etc/ssh/sshd_config", "/etc/hostname", "/etc/hosts", "/etc/motd"})
        if (path == file) return true;
    return inside_instance_directory(path);
}

bool instance_directory(const std::string& path) { return clean_absolute(path) && inside_instance_directory(path); }

std::string service_name(std::string name) {
    if (name.size() > 8 && name.substr(name.size() - 8) == ".service") name.resize(name.size() - 8);
    if (name == "ssh") name = "sshd";
    return name;
}

bool known_service(const std::string& name) { return name == "sshd" || name == "httpd" || name == "nginx" || name == "apache2"; }

// A sed substitution "s/PATTERN/REPLACEMENT/[g]" (any delimiter) whose pattern is literal text with an
// optional ^; nullopt (with why) for anything a literal match would get wrong.
bool parse_substitution(const std::string& expr, UserDataAction& a, std::string& why) {
    if (expr.size() < 4 || expr[0] != 's') return why = "is not an s/…/…/ substitution", false;
    const char d = expr[1];
    std::vector<std::string> parts(1);
    for (std::size_t i = 2; i < expr.size(); ++i) {
        if (expr[i] == '\\' && i + 1 < expr.size() && expr[i + 1] == d) {
            parts.back() += d;
            ++i;
        } else if (expr[i] == d) {
            parts.emplace_back();
        } else {
            parts.back() += expr[i];
        }
    }
    if (parts.size() != 3) return why = "is not an s/…/…/ substitution", false;
    if (parts[2] != "" && parts[2] != "g") return why = "uses sed flags other than g", false;
    std::string pattern = parts[0];
    const bool anchored = !pattern.empty() && pattern[0] == '^';
    const std::string body = anchored ? pattern.substr(1) : pattern;
    if (body.empty() || body.find_first_of(".*[]$\\+?(){}|") != std::string::npos)
        return why = "uses a regular expression beyond literal text (vpclab matches literal text and ^)", false;
    if (parts[1].find_first_of("&\\") != std::string::npos) return why = "uses & or \\ in the replacement", false;
    a.pattern = pattern;
    a.value = parts[1];
    a.global = parts[2] == "g";
    return true;
}

struct Parser {
    UserDataScript out;

    void skip(int line, std::string_view text, std::string why) { out.skipped.push_back({line, std::string(text), std::move(why)}); }

    // One command (a run of tokens between && operators). Appends its actions, or returns why not.
    std::optional<std::string> command(const std::vector<Token>& t, int line, std::vector<UserDataAction>& actions) {
        if (t.empty() || t[0].kind != Token::Kind::word) return "does not start with a command";
        const std::string& cmd = t[0].text;
        auto words_until_op = [&](std::size_t from) {
            std::vector<std::string> w;
            for (std::size_t i = from; i < t.size() && t[i].kind == Token::Kind::word; ++i) w.push_back(t[i].text);
            return w;
        };
        if (cmd == "echo") {
            std::vector<std::string> args = words_until_op(1);
            bool newline = true;
            if (!args.empty() && args[0] == "-n") newline = false, args.erase(args.begin());
            if (!args.empty() && args[0].size() > 1 && args[0][0] == '-') return "uses an echo option vpclab does not emulate";
            std::string text;
            for (const auto& a : args) text += (text.empty() ? "" : " ") + a;
            const std::size_t at = 1 + words_until_op(1).size();
            if (at >= t.size()) return "echo to the console: nothing to emulate";
            if ((t[at].kind == Token::Kind::write || t[at].kind == Token::Kind::append) && is_word(t, at + 1) && at + 2 == t.size()) {
                if (!instance_file(t[at + 1].text)) return "writes " + t[at + 1].text + ", outside the files vpclab gives an instance";
                actions.push_back({UserDataAction::Kind::write_file, t[at + 1].text, text + (newline ? "\n" : ""), "",
                                   t[at].kind == Token::Kind::append, false, line});
                return std::nullopt;
            }
            if (t[at].kind == Token::Kind::pipe && is_word(t, at + 1)) {
                const auto rest = words_until_op(at + 1);
                if (at + 1 + rest.size() != t.size()) return "pipes into more than one command";
                if (rest.size() == 3 && rest[0] == "passwd" && rest[1] == "--stdin") {
                    actions.push_back({UserDataAction::Kind::set_password, rest[2], text, "", false, false, line});
                    return std::nullopt;
                }
                if (rest.size() == 1 && rest[0] == "chpasswd") {
                    const auto colon = text.find(':');
                    if (colon == std::string::npos || colon == 0) return "feeds chpasswd something that is not user:password";
                    actions.push_back({UserDataAction::Kind::set_password, text.substr(0, colon), text.substr(colon + 1), "", false, false, line});
                    return std::nullopt;
                }
            }
            return "pipes or redirects echo in a way vpclab does not emulate";
        }
        const auto words = words_until_op(0);
        if (words.size() != t.size()) return "uses a pipe or redirection vpclab does not emulate here";
        if (cmd == "sed") {
            // sed -i [-e] EXPR FILE
            std::size_t i = 1;
            if (i >= words.size() || words[i] != "-i") return "sed without -i changes no file";
            ++i;
            if (i < words.size() && words[i] == "-e") ++i;
            if (i + 2 != words.size()) return "sed takes one expression and one file here";
            UserDataAction a{UserDataAction::Kind::edit_file, words[i + 1], "", "", false, false, line};
            std::string why;
            if (!parse_substitution(words[i], a, why)) return "sed expression " + why;
            if (!instance_file(a.subject)) return "edits " + a.subject + ", outside the files vpclab gives an instance";
            actions.push_back(std::move(a));
            return std::nullopt;
        }
        if (cmd == "service") {
            if (words.size() != 3) return "service takes NAME start|restart here";
            const std::string name = service_name(words[1]);
            if (!known_service(name)) return "service " + words[1] + " is not one vpclab provides (sshd, httpd, nginx, apache2)";
            if (words[2] != "start" && words[2] != "restart") return "service " + words[2] + " is not emulated (start, restart)";
            actions.push_back({UserDataAction::Kind::start_service, name, "", "", false, false, line});
            return std::nullopt;
        }
        if (cmd == "systemctl") {
            std::size_t i = 1;
            if (i >= words.size()) return "systemctl without a verb";
            const std::string verb = words[i++];
            bool now = false;
            if (i < words.size() && words[i] == "--now") now = true, ++i;
            if (i >= words.size()) return "systemctl " + verb + " names no unit";
            if (verb != "start" && verb != "restart" && verb != "enable") return "systemctl " + verb + " is not emulated (start, restart, enable)";
            for (; i < words.size(); ++i) {
                const std::string name = service_name(words[i]);
                if (!known_service(name)) return "service " + words[i] + " is not one vpclab provides (sshd, httpd, nginx, apache2)";
                if (verb == "enable") {
                    actions.push_back({UserDataAction::Kind::enable_service, name, "", "", false, false, line});
                    if (now) actions.push_back({UserDataAction::Kind::start_service, name, "", "", false, false, line});
                } else {
                    actions.push_back({UserDataAction::Kind::start_service, name, "", "", false, false, line});
                }
            }
            return std::nullopt;
        }
        if (cmd == "yum" || cmd == "dnf" || cmd == "apt-get" || cmd == "apt") {
            std::vector<std::string> packages;
            bool install = false, yes = false;
            for (std::size_t i = 1; i < words.size(); ++i) {
                if (words[i] == "install") install = true;
                else if (words[i] == "-y" || words[i] == "--yes" || words[i] == "-q" || words[i] == "-qq") yes = yes || words[i] != "-q";
                else if (words[i][0] == '-') return cmd + " option " + words[i] + " is not emulated";
                else if (install) packages.push_back(words[i]);
                else return cmd + " " + words[i] + " is not emulated (install -y PACKAGE)";
            }
            if (!install || packages.empty()) return cmd + " without install PACKAGE is not emulated";
            if (!yes) return cmd + " install without -y would wait for an answer";
            for (const auto& p : packages) actions.push_back({UserDataAction::Kind::install_package, p, "", "", false, false, line});
            return std::nullopt;
        }
        if (cmd == "mkdir") {
            std::size_t i = 1;
            if (i < words.size() && words[i] == "-p") ++i;
            if (i >= words.size()) return "mkdir names no directory";
            for (; i < words.size(); ++i) {
                if (!instance_directory(words[i])) return "makes " + words[i] + ", outside the files vpclab gives an instance";
                actions.push_back({UserDataAction::Kind::make_directory, words[i], "", "", false, false, line});
            }
            return std::nullopt;
        }
        return "'" + cmd + "' is not in the subset vpclab emulates";
    }

    void run(std::string_view script) {
        if (script.size() > max_user_data_bytes) {
            skip(0, "", "UserData is " + std::to_string(script.size()) + " bytes; EC2 takes at most 16384");
            return;
        }
        std::vector<std::string_view> lines;
        for (std::size_t at = 0; at <= script.size();) {
            const auto end = script.find('\n', at);
            std::string_view l = script.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
            if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
            lines.push_back(l);
            if (end == std::string_view::npos) break;
            at = end + 1;
        }
        for (std::size_t n = 0; n < lines.size(); ++n) {
            const int line = static_cast<int>(n) + 1;
            const std::string_view text = lines[n];
            std::string why;
            const auto tokens = tokenize(text, why);
            const bool has_heredoc = tokens ? std::any_of(tokens->begin(), tokens->end(), [](const Token& t) { return t.kind == Token::Kind::heredoc; })
                                            : heredoc_marker(text).has_value();
            if (!tokens) {
                skip(line, text, why);
                n = skip_continuation(lines, n, text, has_heredoc);
                continue;
            }
            if (tokens->empty()) continue;  // blank, a comment, #!/bin/bash
            // The seeds' password block: "(", echo lines, ") | passwd --stdin USER" (or "| chpasswd").
            if (tokens->size() == 1 && (*tokens)[0].kind == Token::Kind::open_group) {
                n = group(lines, n);
                continue;
            }
            // A heredoc: cat > FILE <<MARK … MARK
            if (tokens->size() == 5 && is_word(*tokens, 0) && (*tokens)[0].text == "cat" &&
                ((*tokens)[1].kind == Token::Kind::write || (*tokens)[1].kind == Token::Kind::append) && is_word(*tokens, 2) &&
                (*tokens)[3].kind == Token::Kind::heredoc && is_word(*tokens, 4) && (*tokens)[4].text.rfind('-', 0) != 0) {
                n = heredoc(lines, n, *tokens, text);
                continue;
            }
            if (has_heredoc) {  // any other shape: neither the line nor its body is read
                skip(line, text, "a here-document in a form vpclab does not read (it reads cat > FILE <<MARK)");
                n = skip_continuation(lines, n, text, true);
                continue;
            }
            // Commands joined by &&: all understood, or the line is skipped whole.
            std::vector<UserDataAction> actions;
            std::vector<Token> one;
            std::optional<std::string> refusal;
            for (std::size_t i = 0; i <= tokens->size() && !refusal; ++i) {
                if (i == tokens->size() || (*tokens)[i].kind == Token::Kind::and_then) {
                    refusal = command(one, line, actions);
                    one.clear();
                } else {
                    one.push_back((*tokens)[i]);
                }
            }
            if (refusal) skip(line, text, *refusal);
            else for (auto& a : actions) out.actions.push_back(std::move(a));
        }
    }

    // The marker of a here-document on a raw line (<<EOF, <<'EOF', <<-EOF), if there is one.
    static std::optional<std::string> heredoc_marker(std::string_view text) {
        const auto at = text.find("<<");
        if (at == std::string_view::npos) return std::nullopt;
        std::size_t i = at + 2;
        if (i < text.size() && text[i] == '-') ++i;
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
        std::string marker;
        for (; i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '>' && text[i] != '|' && text[i] != '&' && text[i] != ';'; ++i)
            if (text[i] != '\'' && text[i] != '"' && text[i] != '\\') marker += text[i];
        if (marker.empty()) return std::nullopt;
        return marker;
    }

    // After a line that is not read: the lines that belong to it are not read either, and are reported
    // (a here-document's body up to its marker, lines continued with \, the rest of a quote that spans
    // lines). Returns the index of the last line that belongs to it.
    std::size_t skip_continuation(const std::vector<std::string_view>& lines, std::size_t at, std::string_view text, bool heredoc) {
        auto strip_tabs = [](std::string_view l) {
            while (!l.empty() && l.front() == '\t') l.remove_prefix(1);
            return l;
        };
        if (heredoc) {
            const auto marker = heredoc_marker(text);
            if (!marker) return at;
            for (std::size_t n = at + 1; n < lines.size(); ++n) {
                if (strip_tabs(lines[n]) == *marker) return n;
                skip(static_cast<int>(n) + 1, lines[n], "inside a here-document vpclab does not read");
            }
            return lines.size() - 1;
        }
        if (!text.empty() && text.back() == '\\') {
            std::size_t n = at + 1;
            for (; n < lines.size(); ++n) {
                skip(static_cast<int>(n) + 1, lines[n], "continues the line before (\\)");
                if (lines[n].empty() || lines[n].back() != '\\') break;
            }
            return std::min(n, lines.size() - 1);
        }
        // An odd number of one kind of quote: the string runs on to the line that closes it.
        for (const char q : {'\'', '"'}) {
            if (std::count(text.begin(), text.end(), q) % 2 == 0) continue;
            for (std::size_t n = at + 1; n < lines.size(); ++n) {
                skip(static_cast<int>(n) + 1, lines[n], "inside a quoted string that spans lines");
                if (std::count(lines[n].begin(), lines[n].end(), q) % 2 == 1) return n;
            }
            return lines.size() - 1;
        }
        return at;
    }

    std::size_t group(const std::vector<std::string_view>& lines, std::size_t open) {
        const int line = static_cast<int>(open) + 1;
        std::vector<std::string> fed;
        for (std::size_t n = open + 1; n < lines.size(); ++n) {
            std::string why;
            const auto t = tokenize(lines[n], why);
            if (!t) break;
            if (!t->empty() && (*t)[0].kind == Token::Kind::close_group) {
                // ) | passwd --stdin USER   or   ) | chpasswd
                const bool passwd = t->size() == 5 && (*t)[1].kind == Token::Kind::pipe && is_word(*t, 2) && (*t)[2].text == "passwd" &&
                                    is_word(*t, 3) && (*t)[3].text == "--stdin" && is_word(*t, 4);
                const bool chpasswd = t->size() == 3 && (*t)[1].kind == Token::Kind::pipe && is_word(*t, 2) && (*t)[2].text == "chpasswd";
                if (passwd && !fed.empty() && std::all_of(fed.begin(), fed.end(), [&](const std::string& f) { return f == fed.front(); })) {
                    out.actions.push_back({UserDataAction::Kind::set_password, (*t)[4].text, fed.front(), "", false, false, line});
                    return n;
                }
                if (chpasswd && !fed.empty()) {
                    std::vector<UserDataAction> actions;
                    for (const auto& f : fed) {
                        const auto colon = f.find(':');
                        if (colon == std::string::npos || colon == 0) break;
                        actions.push_back({UserDataAction::Kind::set_password, f.substr(0, colon), f.substr(colon + 1), "", false, false, line});
                    }
                    if (actions.size() == fed.size()) {
                        for (auto& a : actions) out.actions.push_back(std::move(a));
                        return n;
                    }
                }
                break;
            }
            if (t->size() == 2 && is_word(*t, 0) && (*t)[0].text == "echo" && is_word(*t, 1)) {
                fed.push_back((*t)[1].text);
                continue;
            }
            break;
        }
        // Not the shape it understands: report the opening line; the lines after it are read on their own.
        skip(line, lines[open], "a ( … ) group other than echo lines piped into passwd --stdin or chpasswd");
        return open;
    }

    std::size_t heredoc(const std::vector<std::string_view>& lines, std::size_t at, const std::vector<Token>& t, std::string_view text) {
        const int line = static_cast<int>(at) + 1;
        const std::string& marker = t[4].text;
        // Quoting the marker (<<'EOF') turns expansion off; unquoted, a $, ` or \ in the body needs a shell.
        const bool quoted = t[4].quoted;
        std::string body;
        for (std::size_t n = at + 1; n < lines.size(); ++n) {
            if (lines[n] == marker) {
                if (!quoted && body.find_first_of("$`\\") != std::string::npos) {
                    skip(line, text, "the here-document uses shell expansion ($, ` or \\); quote its marker (<<'" + marker + "') to write it as is");
                    return n;
                }
                if (!instance_file(t[2].text)) {
                    skip(line, text, "writes " + t[2].text + ", outside the files vpclab gives an instance");
                    return n;
                }
                out.actions.push_back({UserDataAction::Kind::write_file, t[2].text, body, "", t[1].kind == Token::Kind::append, false, line});
                return n;
            }
            body += std::string(lines[n]) + "\n";
        }
        skip(line, text, "the here-document has no closing " + marker + " line");
        return lines.size() - 1;
    }
};

}  // namespace

UserDataScript parse_user_data(std::string_view script) {
    Parser p;
    p.run(script);
    return std::move(p.out);
}

std::string printable(std::string_view text) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u == 0) out += "\\0";
        else if ((u < 0x20 && c != '\t') || u == 0x7f) out += std::string("\\x") + hex[u >> 4] + hex[u & 15];
        else out += c;
    }
    return out;
}

std::string describe(const UserDataAction& a) {
    const std::string subject = printable(a.subject);
    switch (a.kind) {
        case UserDataAction::Kind::set_password: return "set " + subject + "'s password";
        case UserDataAction::Kind::edit_file:
            return "in " + subject + ": " + printable(a.pattern) + " → " + printable(a.value) + (a.global ? " (every match)" : "");
        case UserDataAction::Kind::start_service: return "start " + subject;
        case UserDataAction::Kind::enable_service: return "enable " + subject;
        case UserDataAction::Kind::install_package: return "install " + subject + " (vpclab provides the server)";
        case UserDataAction::Kind::write_file: return (a.append ? "append to " : "write ") + subject;
        case UserDataAction::Kind::make_directory: return "make directory " + subject;
    }
    return "";
}

std::vector<std::string> report(const UserDataScript& script) {
    std::vector<std::string> out;
    for (const auto& a : script.actions) out.push_back("line " + std::to_string(a.line) + ": " + describe(a));
    for (const auto& s : script.skipped)
        out.push_back("line " + std::to_string(s.line) + " skipped" + (s.text.empty() ? "" : " (" + printable(s.text) + ")") + ": " + printable(s.why));
    return out;
}

std::string apply_edit(const UserDataAction& a, const std::string& text) {
    const bool anchored = !a.pattern.empty() && a.pattern[0] == '^';
    const std::string literal = anchored ? a.pattern.substr(1) : a.pattern;
    std::string out;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = text.find('\n', at);
        std::string line = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
        if (anchored) {
            if (line.rfind(literal, 0) == 0) line = a.value + line.substr(literal.size());
        } else {
            std::size_t from = 0;
            while ((from = line.find(literal, from)) != std::string::npos) {
                line.replace(from, literal.size(), a.value);
                from += a.value.size();
                if (!a.global) break;
            }
        }
        out += line;
        if (end == std::string::npos) break;
        out += '\n';
        at = end + 1;
    }
    return out;
}

}  // namespace vpclab::instance
