/** The fields and ops of a segment condition, and which ops each field takes (shared with the builder's browser script: no imports). */
export const SEGMENT_OPS = ['is', 'isNot', 'contains', 'before', 'after', 'atLeast', 'atMost', 'anyOf', 'allOf', 'noneOf', 'isSet', 'isNotSet'] as const;
export type SegmentOp = (typeof SEGMENT_OPS)[number];
export const SEGMENT_FIELDS = ['tag', 'status', 'language', 'subscribedAt', 'openedLastIssues', 'topic', 'attribute'] as const;
export type SegmentFieldKind = (typeof SEGMENT_FIELDS)[number];

export const OPS_OF: Record<SegmentFieldKind, readonly SegmentOp[]> = {
  tag: ['is', 'contains', 'isNot', 'anyOf', 'allOf', 'noneOf'],
  status: ['is', 'isNot'],
  language: ['is', 'isNot'],
  subscribedAt: ['before', 'after'],
  openedLastIssues: ['atLeast'],
  topic: ['is', 'isNot'],
  attribute: ['is', 'isNot', 'contains', 'before', 'after', 'atLeast', 'atMost', 'isSet', 'isNotSet'],
};
