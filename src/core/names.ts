/** Words tarsnet shows for what is missing, one place for each so every view says the same. */

/** The network of an IP that falls in no named network (tables, JSON, metrics labels). */
export const NO_NETWORK = '(none)'

/** An empty list, said in a sentence ("the networks are (none)"). */
export const NOTHING = '(none)'
