using System.Collections.Frozen;

namespace CanaryService.Core.Lexicon;

/// <summary>
/// Recognises a line of unfenced code from its first two whitespace-delimited tokens and whether the line before was
/// code. Most models write code without fences; a rewritten word there changes a program (<c>SELECT</c> → <c>CHOOSE</c>,
/// an identifier renamed at one use). Decided from the line's start alone so that a stream holds back only the
/// first words of a line; the scanner then leaves the whole line alone.
/// </summary>
/// <remarks>
/// Prose lines start with a capital, a list marker, a heading mark or a quote; code lines start with a keyword, a
/// symbol, a call or an assignment. A line that continues a code block is indented (or starts with a symbol).
/// </remarks>
internal static class CodeLine
{
    // Lower-case words that start a line of code in common languages and shells; a prose line starts with a capital.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> LowerKeywords = Lookup(
        [
            "def", "class", "import", "from", "return", "const", "let", "var", "function", "if", "elif", "else", "for",
            "while", "do", "try", "except", "catch", "finally", "switch", "case", "break", "continue", "public",
            "private", "protected", "static", "void", "int", "long", "float", "double", "char", "bool", "boolean",
            "string", "struct", "enum", "package", "using", "namespace", "print", "printf", "println", "puts", "echo",
            "sudo", "cd", "ls", "mkdir", "rm", "cp", "mv", "cat", "grep", "git", "npm", "npx", "pip", "python",
            "node", "java", "javac", "go", "cargo", "gcc", "make", "cmake", "docker", "kubectl", "curl", "wget", "apt",
            "brew", "yarn", "dotnet", "fn", "func", "async", "await", "yield", "raise", "throw", "new", "delete",
            "select", "insert", "update", "with", "lambda", "assert", "pass", "global", "del", "end", "begin", "then",
            "fi", "done", "local", "export", "source", "set", "unset", "alias", "chmod", "chown", "touch", "find",
            "sed", "awk", "ssh", "tar", "exit", "self", "this", "super", "null", "nil", "true", "false", "val",
            "interface", "implements", "extends", "type", "impl", "mod", "use", "pub", "match", "mut", "goto",
            "template", "typedef", "include", "require", "module", "exports", "console", "document", "window",
        ]);

    // SQL and other upper-case keywords that start a statement or clause.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> UpperKeywords = Lookup(
        [
            "SELECT", "FROM", "WHERE", "INSERT", "INTO", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "JOIN",
            "INNER", "LEFT", "RIGHT", "OUTER", "FULL", "CROSS", "ORDER", "GROUP", "HAVING", "LIMIT", "OFFSET",
            "VALUES", "SET", "UNION", "WITH", "AND", "OR", "ON", "BEGIN", "END", "DECLARE", "RETURN", "RETURNS",
            "PRINT", "GO", "USE", "EXEC", "CASE", "WHEN", "THEN", "ELSE", "TRUNCATE", "GRANT", "REVOKE", "COMMIT",
            "ROLLBACK", "PRIMARY", "FOREIGN", "REFERENCES", "CONSTRAINT", "INDEX", "TABLE", "DISTINCT", "AS", "BY",
            "IF", "FOR", "WHILE", "LOOP", "IMPORT", "DEF", "CLASS", "DIM", "SUB", "FUNCTION", "GOTO", "REM",
        ]);

    // Second tokens that make "x = 1", "total += x", "a -> b" code.
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Operators = Lookup(
        ["=", "==", "===", "!=", "!==", "+=", "-=", "*=", "/=", "%=", ":=", "=>", "->", "<-", "<<", ">>", "&&", "||", "|", "::", "<<<", "|>"]);

    /// <summary>True when a line that starts with <paramref name="first"/> and <paramref name="second"/> is code.</summary>
    /// <param name="first">The line's first token (up to whitespace, a quote or a backtick); may be empty.</param>
    /// <param name="second">The next token on the same line; empty when the line has one token.</param>
    /// <param name="indented">The line starts with whitespace.</param>
    /// <param name="previousLineCode">The last non-blank line was code.</param>
    public static bool Starts(ReadOnlySpan<char> first, ReadOnlySpan<char> second, bool indented, bool previousLineCode)
    {
        if (first.IsEmpty)
        {
            return false;
        }

        if (previousLineCode && (indented || IsClosingSymbol(first[0]) || first[0] == '#'))
        {
            return true; // the body of a block, its closing brace, or a comment inside it
        }

        char c = first[0];
        switch (c)
        {
            case '{' or '}' or ';' or '<' or '>' or '=' or '&' or '|' or '\\' or '@' or '$' or '!' or ')' or ']' or '/':
                return true; // braces, tags, prompts ($, >>>), decorators, comments (// /*), paths
            case '#':
                return first.Length > 1 && (char.IsAsciiLetter(first[1]) || first[1] == '!'); // #include, #!/bin/sh; "# " is a heading
            case '*' when first.Length > 1 && first[1] == '/':
                return true;
        }

        if (char.IsAsciiLetterLower(c) && LowerKeywords.Contains(first))
        {
            return true;
        }

        if (char.IsAsciiLetterUpper(c) && first.Length > 1 && UpperKeywords.Contains(first))
        {
            return true;
        }

        return LooksLikeCode(first) || (!second.IsEmpty && (Operators.Contains(second) || second[0] == '='));
    }

    private static FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup(string[] words) =>
        words.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    private static bool IsClosingSymbol(char c) => c is '}' or ')' or ']' or '{' or ';';

    /// <summary>A call <c>f(x)</c>, an assignment, a statement end, braces, <c>snake_case</c>, <c>::</c>, <c>-&gt;</c>.</summary>
    private static bool LooksLikeCode(ReadOnlySpan<char> token)
    {
        for (int i = 1; i < token.Length; i++)
        {
            char c = token[i];
            char before = token[i - 1];
            switch (c)
            {
                case '(' when char.IsAsciiLetterOrDigit(before) || before == '_':
                case '=' or '{' or '}' or '_':
                case ';' when i == token.Length - 1:
                case ':' when before == ':':
                case '>' when before == '-':
                case '[' when char.IsAsciiLetterOrDigit(before):
                    return true;
            }
        }

        return false;
    }
}
