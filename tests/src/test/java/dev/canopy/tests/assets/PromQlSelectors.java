package dev.canopy.tests.assets;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the vector selectors and grouping labels out of a PromQL expression, to check them against the
 * metric catalogue. A lexer, not a parser: it relies on the expression being valid PromQL (promtool checks
 * that separately) and recognises a function or aggregation by the {@code (} or {@code by}/{@code without}
 * that follows its name.
 */
final class PromQlSelectors {

    /** A label matcher such as {@code window="rolling"}; op is one of =, !=, =~, !~. */
    record LabelMatcher(String label, String op, String value) {
    }

    /** A vector selector; {@code metric} is null for a selector without a name and without __name__. */
    record Selector(String metric, List<LabelMatcher> matchers) {
    }

    /** The selectors and the labels named in by/without/on/ignoring/group_left/group_right lists. */
    record Parsed(List<Selector> selectors, Set<String> groupingLabels) {
    }

    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "by", "without", "on", "ignoring",
            "group_left", "group_right", "bool", "offset", "atan2", "inf", "nan");
    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private enum Type { IDENT, STRING, NUMBER, PUNCT }

    private record Token(Type type, String text) {
    }

    private PromQlSelectors() {
    }

    static Parsed parse(String expr) {
        List<Token> tokens = lex(expr);
        List<Selector> selectors = new ArrayList<>();
        Set<String> grouping = new LinkedHashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            if (token.type() == Type.PUNCT && token.text().equals("[")) {
                i = skipTo(tokens, i, "]");
            } else if (token.type() == Type.IDENT && GROUPING.contains(token.text().toLowerCase(Locale.ROOT))) {
                if (isPunct(tokens, i + 1, "(")) {
                    int close = skipTo(tokens, i + 1, ")");
                    for (int j = i + 2; j < close; j++) {
                        if (tokens.get(j).type() == Type.IDENT) {
                            grouping.add(tokens.get(j).text());
                        }
                    }
                    i = close;
                }
            } else if (token.type() == Type.IDENT) {
                String lower = token.text().toLowerCase(Locale.ROOT);
                boolean function = isPunct(tokens, i + 1, "(") || isIdent(tokens, i + 1, "by") || isIdent(tokens, i + 1, "without");
                if (KEYWORDS.contains(lower) || function) {
                    continue;
                }
                List<LabelMatcher> matchers = List.of();
                if (isPunct(tokens, i + 1, "{")) {
                    int close = skipTo(tokens, i + 1, "}");
                    matchers = matchers(tokens, i + 2, close);
                    i = close;
                }
                selectors.add(new Selector(token.text(), matchers));
            } else if (token.type() == Type.PUNCT && token.text().equals("{")) {
                int close = skipTo(tokens, i, "}");
                List<LabelMatcher> matchers = matchers(tokens, i + 1, close);
                String name = matchers.stream().filter(m -> m.label().equals("__name__") && m.op().equals("="))
                        .map(LabelMatcher::value).findFirst().orElse(null);
                selectors.add(new Selector(name, matchers));
                i = close;
            }
        }
        return new Parsed(selectors, grouping);
    }

    private static List<LabelMatcher> matchers(List<Token> tokens, int from, int to) {
        List<LabelMatcher> out = new ArrayList<>();
        int j = from;
        while (j < to) {
            Token label = tokens.get(j);
            if (label.type() == Type.PUNCT && label.text().equals(",")) {
                j++;
                continue;
            }
            boolean labelToken = label.type() == Type.IDENT || label.type() == Type.STRING;
            if (!labelToken || j + 2 >= to || tokens.get(j + 2).type() != Type.STRING) {
                throw new IllegalArgumentException("unexpected token in label matchers: " + label.text());
            }
            out.add(new LabelMatcher(label.text(), tokens.get(j + 1).text(), tokens.get(j + 2).text()));
            j += 3;
        }
        return out;
    }

    private static boolean isPunct(List<Token> tokens, int i, String text) {
        return i < tokens.size() && tokens.get(i).type() == Type.PUNCT && tokens.get(i).text().equals(text);
    }

    private static boolean isIdent(List<Token> tokens, int i, String text) {
        return i < tokens.size() && tokens.get(i).type() == Type.IDENT && tokens.get(i).text().equalsIgnoreCase(text);
    }

    /** Index of the token closing the bracket opened at {@code open}. */
    private static int skipTo(List<Token> tokens, int open, String close) {
        String opener = tokens.get(open).text();
        int depth = 0;
        for (int j = open; j < tokens.size(); j++) {
            Token t = tokens.get(j);
            if (t.type() == Type.PUNCT && t.text().equals(opener)) {
                depth++;
            } else if (t.type() == Type.PUNCT && t.text().equals(close) && --depth == 0) {
                return j;
            }
        }
        throw new IllegalArgumentException("unbalanced " + opener);
    }

    private static List<Token> lex(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"' || c == '\'' || c == '`') {
                StringBuilder value = new StringBuilder();
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    if (s.charAt(j) == '\\' && c != '`' && j + 1 < s.length()) {
                        j++;
                    }
                    value.append(s.charAt(j++));
                }
                if (j >= s.length()) {
                    throw new IllegalArgumentException("unterminated string in " + s);
                }
                out.add(new Token(Type.STRING, value.toString()));
                i = j + 1;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == ':')) {
                    j++;
                }
                out.add(new Token(Type.IDENT, s.substring(i, j)));
                i = j;
            } else if (Character.isDigit(c) || c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                out.add(new Token(Type.NUMBER, s.substring(i, j)));
                i = j;
            } else {
                String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
                if (List.of("=~", "!~", "!=", "==", "<=", ">=").contains(two)) {
                    out.add(new Token(Type.PUNCT, two));
                    i += 2;
                } else {
                    out.add(new Token(Type.PUNCT, String.valueOf(c)));
                    i++;
                }
            }
        }
        return out;
    }
}
