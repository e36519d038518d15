using TorchSharp;
using TorchSharp.Modules;

namespace Repro.Core.Training;

/// <summary>Builds the TorchSharp optimizer that <see cref="TrainerOptions"/> describe, with one or two parameter groups.</summary>
public static class OptimizerFactory
{
    /// <summary>
    /// Creates the optimizer over <paramref name="groups"/>: the decay group gets <see cref="TrainerOptions.WeightDecay"/>,
    /// the no-decay group (when not empty) gets 0. The learning rate starts at the schedule's value for step 0.
    /// Must not be called inside a dispose scope (AdamW allocates its moment buffers here).
    /// </summary>
    public static OptimizerHelper Create(TrainerOptions options, ParameterGroups groups)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(groups);
        options.Validate();
        if (!groups.All.Any())
            throw new ArgumentException("the model has no trainable parameters (all have requires_grad = false)", nameof(groups));

        var lr = new LearningRateSchedule(options).At(0);
        var sets = new List<(IEnumerable<Parameter> Parameters, double WeightDecay)>();
        if (groups.Decay.Count > 0) sets.Add((groups.Decay.Select(x => x.Parameter).ToArray(), options.WeightDecay));
        if (groups.NoDecay.Count > 0) sets.Add((groups.NoDecay.Select(x => x.Parameter).ToArray(), 0.0));

        return options.Optimizer switch
        {
            OptimizerKind.Sgd => new SGD(
                sets.Select(s => new SGD.ParamGroup(s.Parameters, new SGD.Options
                {
                    LearningRate = lr, momentum = options.Momentum, dampening = 0, weight_decay = s.WeightDecay,
                    nesterov = options.Nesterov, maximize = false,
                })).ToArray(),
                lr, options.Momentum, 0, options.WeightDecay, options.Nesterov),
            OptimizerKind.AdamW => new AdamW(
                sets.Select(s => new AdamW.ParamGroup(s.Parameters, new AdamW.Options
                {
                    LearningRate = lr, beta1 = options.AdamBeta1, beta2 = options.AdamBeta2, eps = options.AdamEpsilon,
                    weight_decay = s.WeightDecay, amsgrad = false, maximize = false,
                })).ToArray(),
                lr, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay),
            _ => throw new ArgumentException($"TrainerOptions.Optimizer: unknown optimizer {options.Optimizer}", nameof(options)),
        };
    }
}
