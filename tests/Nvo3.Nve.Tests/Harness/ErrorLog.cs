using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Nvo3.Nve.Tests;

/// <summary>A logger factory that keeps every error the NVEs log: a loop that failed is a test failure, never silent.</summary>
internal sealed class ErrorLog : ILoggerFactory, ILogger
{
    private readonly ConcurrentQueue<string> _errors = new();

    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Forgets the errors seen so far (a test that caused them on purpose, and checked them).</summary>
    public void Clear() => _errors.Clear();

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _errors.Enqueue(formatter(state, exception) + (exception is null ? "" : ": " + exception));
        }
    }

    public void Dispose()
    {
    }
}
