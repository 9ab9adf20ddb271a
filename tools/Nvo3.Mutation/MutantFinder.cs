using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Nvo3.Mutation;

/// <summary>
/// Finds the mutants of one file: flipped comparisons (== !=, boundaries and negations of
/// &lt; &lt;= &gt; &gt;=), &amp;&amp; ↔ ||, arithmetic and bitwise operators swapped, a ! removed,
/// an if/while/ternary condition negated, true ↔ false, an integer constant ±1, a statement
/// removed, a return of the default. Logging calls are left alone: removing one changes no
/// behaviour a test could see (counters are mutated, since tests read them).
/// </summary>
internal sealed class MutantFinder(string file, SyntaxTree tree, SemanticModel model, IReadOnlyList<string>? members)
{
    private readonly List<Mutant> _found = [];
    private int _next;

    public IReadOnlyList<Mutant> Find(int firstId)
    {
        _next = firstId;
        foreach (var node in tree.GetRoot().DescendantNodes().Where(InScope))
        {
            Visit(node);
        }
        // Two operators can give the same code (a negated == and the != flip); keep one of each.
        return _found.GroupBy(m => (m.Node.SpanStart, m.Replacement)).Select(g => g.First()).ToList();
    }

    private bool InScope(SyntaxNode node)
    {
        if (node.Ancestors().Any(a => a is AttributeListSyntax))
        {
            return false;
        }
        // The outermost member around the node (a lambda's body counts as its method's).
        var member = node.Ancestors().LastOrDefault(a => a is BaseMethodDeclarationSyntax or PropertyDeclarationSyntax or FieldDeclarationSyntax);
        if (member is null)
        {
            return false;
        }
        return members is null || members.Contains(NameOf(member));
    }

    private static string NameOf(SyntaxNode member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text,
        ConstructorDeclarationSyntax c => c.Identifier.Text,
        PropertyDeclarationSyntax p => p.Identifier.Text,
        FieldDeclarationSyntax f => f.Declaration.Variables[0].Identifier.Text,
        _ => "",
    };

    private void Visit(SyntaxNode node)
    {
        switch (node)
        {
            case BinaryExpressionSyntax binary:
                MutateBinary(binary);
                break;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not:
                Add(node, "negation", not.Operand.WithTriviaFrom(not));
                break;
            case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
                Add(node, "arithmetic", PostfixUnaryExpression(postfix.IsKind(SyntaxKind.PostIncrementExpression) ? SyntaxKind.PostDecrementExpression : SyntaxKind.PostIncrementExpression, postfix.Operand));
                break;
            case LiteralExpressionSyntax literal:
                MutateLiteral(literal);
                break;
            case IfStatementSyntax s:
                NegateCondition(s.Condition);
                break;
            case WhileStatementSyntax s:
                NegateCondition(s.Condition);
                break;
            case ConditionalExpressionSyntax s:
                NegateCondition(s.Condition);
                break;
            case ExpressionStatementSyntax statement when statement.Parent is BlockSyntax or SwitchSectionSyntax && !IsLogging(statement.Expression):
                Add(node, "statement", null);
                break;
            case ReturnStatementSyntax { Expression: { } value } ret when value is not LiteralExpressionSyntax && !IsDefaultLike(value):
                Add(node, "return", ret.WithExpression(PostfixUnaryExpression(SyntaxKind.SuppressNullableWarningExpression, LiteralExpression(SyntaxKind.DefaultLiteralExpression)).WithLeadingTrivia(Space)));
                break;
            default:
                break;
        }
    }

    private void MutateBinary(BinaryExpressionSyntax binary)
    {
        SyntaxKind[] to = binary.Kind() switch
        {
            SyntaxKind.EqualsExpression => [SyntaxKind.NotEqualsExpression],
            SyntaxKind.NotEqualsExpression => [SyntaxKind.EqualsExpression],
            SyntaxKind.LessThanExpression => [SyntaxKind.LessThanOrEqualExpression, SyntaxKind.GreaterThanOrEqualExpression],
            SyntaxKind.LessThanOrEqualExpression => [SyntaxKind.LessThanExpression, SyntaxKind.GreaterThanExpression],
            SyntaxKind.GreaterThanExpression => [SyntaxKind.GreaterThanOrEqualExpression, SyntaxKind.LessThanOrEqualExpression],
            SyntaxKind.GreaterThanOrEqualExpression => [SyntaxKind.GreaterThanExpression, SyntaxKind.LessThanExpression],
            SyntaxKind.LogicalAndExpression => [SyntaxKind.LogicalOrExpression],
            SyntaxKind.LogicalOrExpression => [SyntaxKind.LogicalAndExpression],
            SyntaxKind.AddExpression when !IsString(binary) => [SyntaxKind.SubtractExpression],
            SyntaxKind.SubtractExpression => [SyntaxKind.AddExpression],
            SyntaxKind.MultiplyExpression => [SyntaxKind.DivideExpression],
            SyntaxKind.DivideExpression => [SyntaxKind.MultiplyExpression],
            SyntaxKind.ModuloExpression => [SyntaxKind.MultiplyExpression],
            SyntaxKind.BitwiseAndExpression => [SyntaxKind.BitwiseOrExpression],
            SyntaxKind.BitwiseOrExpression => [SyntaxKind.BitwiseAndExpression],
            SyntaxKind.ExclusiveOrExpression => [SyntaxKind.BitwiseOrExpression],
            SyntaxKind.LeftShiftExpression => [SyntaxKind.RightShiftExpression],
            SyntaxKind.RightShiftExpression => [SyntaxKind.LeftShiftExpression],
            SyntaxKind.CoalesceExpression => [],
            _ => [],
        };
        string kind = binary.Kind() switch
        {
            SyntaxKind.EqualsExpression or SyntaxKind.NotEqualsExpression => "equality",
            SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression => "logical",
            SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression or SyntaxKind.GreaterThanExpression or SyntaxKind.GreaterThanOrEqualExpression => "relational",
            SyntaxKind.BitwiseAndExpression or SyntaxKind.BitwiseOrExpression or SyntaxKind.ExclusiveOrExpression or SyntaxKind.LeftShiftExpression or SyntaxKind.RightShiftExpression => "bitwise",
            _ => "arithmetic",
        };
        foreach (var k in to)
        {
            Add(binary, kind, BinaryExpression(k, binary.Left, Token(binary.OperatorToken.LeadingTrivia, OperatorOf(k), binary.OperatorToken.TrailingTrivia), binary.Right));
        }
        if (binary.IsKind(SyntaxKind.CoalesceExpression))
        {
            Add(binary, "coalesce", binary.Left.WithTriviaFrom(binary));
        }
    }

    private void MutateLiteral(LiteralExpressionSyntax literal)
    {
        if (literal.Parent?.Parent?.Parent is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.Text: "ConfigureAwait" } })
        {
            return; // ConfigureAwait(true) behaves the same without a synchronization context: equivalent
        }
        if (literal.IsKind(SyntaxKind.TrueLiteralExpression) || literal.IsKind(SyntaxKind.FalseLiteralExpression))
        {
            Add(literal, "boolean", LiteralExpression(literal.IsKind(SyntaxKind.TrueLiteralExpression) ? SyntaxKind.FalseLiteralExpression : SyntaxKind.TrueLiteralExpression).WithTriviaFrom(literal));
            return;
        }
        if (!literal.IsKind(SyntaxKind.NumericLiteralExpression) || literal.Token.Value is not (int or long or uint or ulong or ushort or byte))
        {
            return;
        }
        if (literal.Ancestors().Any(a => a is EnumMemberDeclarationSyntax or CaseSwitchLabelSyntax))
        {
            return;
        }
        ulong value = Convert.ToUInt64(literal.Token.Value, System.Globalization.CultureInfo.InvariantCulture);
        Add(literal, "literal", Number(literal.Token.Text, value + 1).WithTriviaFrom(literal));
        if (value > 0)
        {
            Add(literal, "literal", Number(literal.Token.Text, value - 1).WithTriviaFrom(literal));
        }
    }

    // Written as the original was (hex or decimal) with its suffix, so the type does not change.
    private static ExpressionSyntax Number(string original, ulong value)
    {
        string suffix = new(original.Reverse().TakeWhile(c => c is 'u' or 'U' or 'l' or 'L').Reverse().ToArray());
        bool hex = original.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        string digits = hex ? "0x" + value.ToString("X", System.Globalization.CultureInfo.InvariantCulture) : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ParseExpression(digits + suffix);
    }

    private void NegateCondition(ExpressionSyntax condition)
    {
        // A comparison or a ! is already mutated by its own operator.
        if (condition is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.EqualsExpression or (int)SyntaxKind.NotEqualsExpression or (int)SyntaxKind.LessThanExpression
            or (int)SyntaxKind.LessThanOrEqualExpression or (int)SyntaxKind.GreaterThanExpression or (int)SyntaxKind.GreaterThanOrEqualExpression }
            || condition is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression })
        {
            return;
        }
        Add(condition, "negation", PrefixUnaryExpression(SyntaxKind.LogicalNotExpression, ParenthesizedExpression(condition.WithoutTrivia())).WithTriviaFrom(condition));
    }

    private bool IsString(BinaryExpressionSyntax binary) =>
        model.GetTypeInfo(binary).Type?.SpecialType == SpecialType.System_String;

    private static bool IsLogging(ExpressionSyntax expression) =>
        expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: "Log" or "_logger" } } }
        || expression is InvocationExpressionSyntax { Expression: IdentifierNameSyntax name } && name.Identifier.Text.StartsWith("Log", StringComparison.Ordinal);

    private static bool IsDefaultLike(ExpressionSyntax value) =>
        value is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression or (int)SyntaxKind.NullLiteralExpression }
        || value is PostfixUnaryExpressionSyntax { Operand: LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression or (int)SyntaxKind.NullLiteralExpression } };

    private static SyntaxKind OperatorOf(SyntaxKind expression) => expression switch
    {
        SyntaxKind.EqualsExpression => SyntaxKind.EqualsEqualsToken,
        SyntaxKind.NotEqualsExpression => SyntaxKind.ExclamationEqualsToken,
        SyntaxKind.LessThanExpression => SyntaxKind.LessThanToken,
        SyntaxKind.LessThanOrEqualExpression => SyntaxKind.LessThanEqualsToken,
        SyntaxKind.GreaterThanExpression => SyntaxKind.GreaterThanToken,
        SyntaxKind.GreaterThanOrEqualExpression => SyntaxKind.GreaterThanEqualsToken,
        SyntaxKind.LogicalAndExpression => SyntaxKind.AmpersandAmpersandToken,
        SyntaxKind.LogicalOrExpression => SyntaxKind.BarBarToken,
        SyntaxKind.AddExpression => SyntaxKind.PlusToken,
        SyntaxKind.SubtractExpression => SyntaxKind.MinusToken,
        SyntaxKind.MultiplyExpression => SyntaxKind.AsteriskToken,
        SyntaxKind.DivideExpression => SyntaxKind.SlashToken,
        SyntaxKind.BitwiseAndExpression => SyntaxKind.AmpersandToken,
        SyntaxKind.BitwiseOrExpression => SyntaxKind.BarToken,
        SyntaxKind.LeftShiftExpression => SyntaxKind.LessThanLessThanToken,
        SyntaxKind.RightShiftExpression => SyntaxKind.GreaterThanGreaterThanToken,
        _ => throw new ArgumentOutOfRangeException(nameof(expression)),
    };

    private void Add(SyntaxNode node, string kind, SyntaxNode? replacement)
    {
        int line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
        _found.Add(new Mutant(_next++, file, line, kind, OneLine(node), replacement is null ? "(removed)" : OneLine(replacement), node, replacement));
    }

    private static string OneLine(SyntaxNode node)
    {
        string text = string.Join(' ', node.ToString().Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return text.Length > 120 ? text[..117] + "..." : text;
    }
}
