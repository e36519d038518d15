using System.Text.Json.Serialization;

namespace Repro.Core.Training;

/// <summary>Which optimizer the <see cref="Trainer"/> builds.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with (optionally Nesterov) momentum and L2 weight decay.</summary>
    Sgd,
    /// <summary>Adam with decoupled weight decay (Loshchilov &amp; Hutter).</summary>
    AdamW,
}
