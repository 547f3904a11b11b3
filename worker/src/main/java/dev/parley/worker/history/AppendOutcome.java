package dev.parley.worker.history;

import dev.parley.schemas.Reply;

/** What happened when a turn was offered to the history. */
public sealed interface AppendOutcome {

    /**
     * Stored as turn {@code turn}; {@code droppedOldest} of the oldest stored turns were dropped to keep the history
     * within its bound.
     */
    record Appended(int turn, int droppedOldest) implements AppendOutcome {

        public Appended(int turn) {
            this(turn, 0);
        }
    }

    /** The request id was already answered; nothing was stored and this is the reply given then. */
    record Duplicate(Reply storedReply) implements AppendOutcome {
    }

    /**
     * The history moved on (another turn was stored since it was read); nothing was stored and the turn must be
     * redone on the new history. {@code historyLength} is the conversation's turn count now.
     */
    record Conflict(int historyLength) implements AppendOutcome {
    }

    /**
     * The conversation belongs to another tenant than the prompt's ({@link ConversationOwner}); nothing was stored
     * and no stored reply is given out.
     */
    record TenantMismatch(ConversationOwner owner) implements AppendOutcome {
    }
}
