"""RLHF building blocks shared by the preference (DPO, reward model) and PPO algorithms, and the
exactly solvable task (`optimum`) that scores them."""
