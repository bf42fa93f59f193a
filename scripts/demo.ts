// Placeholder replaced by the CLI's demo command.
console.log("effect-uds: demo not yet available")
