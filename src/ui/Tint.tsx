// Coloured text that turns plain when colour is off (NO_COLOR), so no escape code is
// ever produced then, whatever level chalk guessed.
import { Text } from 'ink';
import { createContext, useContext, type ReactNode } from 'react';

export const ColorContext = createContext(true);

export interface TintProps {
  color?: string;
  dim?: boolean;
  bold?: boolean;
  children?: ReactNode;
}

export function Tint({ color, dim, bold, children }: TintProps) {
  if (!useContext(ColorContext)) return <Text>{children}</Text>;
  return (
    <Text color={color} dimColor={dim === true} bold={bold === true}>
      {children}
    </Text>
  );
}
