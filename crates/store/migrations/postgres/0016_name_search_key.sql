-- The name as it is searched for: its toneless pinyin run together, a space,
-- and the initials ("zhangsan zs"), so that a clerk who types "zhangs" or
-- "zs" finds 张三. Written with every person row; rows written before this
-- migration are filled by the store when it starts.
ALTER TABLE persons ADD COLUMN name_key TEXT;
